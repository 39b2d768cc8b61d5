"""Data lineage: `ln.track()` creates a Transform and a Run that saved records point to."""
