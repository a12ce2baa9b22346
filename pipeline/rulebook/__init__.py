"""Rule files: schemas, loading with overlays, and inline examples as tests."""
