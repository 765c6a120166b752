"""Performance figures of Limes, each measured beside the naive approach in the same run."""
