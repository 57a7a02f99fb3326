"""Stock reference servers the benchmark compares against, each with its own configuration."""
