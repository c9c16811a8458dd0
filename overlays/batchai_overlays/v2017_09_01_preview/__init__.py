"""Overlays of `batchai.v2017_09_01_preview` (API version 2017-09-01-preview): thin bindings of the version-independent overlays."""
