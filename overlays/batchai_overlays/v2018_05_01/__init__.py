"""Overlays of `batchai.v2018_05_01` (API version 2018-05-01): thin bindings of the version-independent overlays."""
