"""HTTP resources of the reporting service."""
