"""Hand-written code that the generated `batchai` package picks up through its `_patch.py` hooks.

For each generated subpackage there may be one flat overlay module here, named after it:

    batchai.v2018_03_01                 <- batchai_overlays/v2018_03_01/package.py
    batchai.v2018_03_01.models          <- batchai_overlays/v2018_03_01/models.py
    batchai.v2018_03_01.operations      <- batchai_overlays/v2018_03_01/operations.py
    batchai.v2018_03_01.aio             <- batchai_overlays/v2018_03_01/aio.py
    batchai.v2018_03_01.aio.operations  <- batchai_overlays/v2018_03_01/aio_operations.py

The subpackage re-exports the overlay's `__all__` and calls its `patch_sdk()` when imported.
Regenerating the SDK never touches this folder; adding or removing an overlay module needs a
regeneration (`nox -s generate`), since the hooks import them statically for type checkers.
"""
