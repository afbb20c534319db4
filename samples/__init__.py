"""The forms themselves (field maps, blank PDFs) and the synthetic scanned-form generator."""
