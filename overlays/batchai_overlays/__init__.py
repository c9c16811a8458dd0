"""Hand-written code that the generated `batchai` package picks up through its `_patch.py` hooks.

A module here named like a generated subpackage (`v2018_03_01/models.py` for
`batchai.v2018_03_01.models`) is re-exported by it: its `__all__` joins the
subpackage's, and its `patch_sdk()` runs when the subpackage is imported.
Regenerating the SDK never touches this folder.
"""
