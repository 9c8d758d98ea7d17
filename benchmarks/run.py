"""make bench: prints the benchmark figures (filled in per issue)."""
