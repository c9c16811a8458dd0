"""Overlays of `batchai.v2018_03_01`. Kept empty: the overlay modules are imported by the generated hooks."""
