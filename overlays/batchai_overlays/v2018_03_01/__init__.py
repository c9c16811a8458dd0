"""Overlays of `batchai.v2018_03_01` (API version 2018-03-01): thin bindings of the version-independent overlays."""
