"""Qt table models over pandas frames."""
