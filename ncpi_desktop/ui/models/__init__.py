"""What the views read: table models over pandas frames, and the 12-month trend source."""
