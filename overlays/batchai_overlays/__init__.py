"""Hand-written code that the generated `batchai` package picks up through its `_patch.py` hooks.

For each generated subpackage there may be one flat overlay module here, named after it:

    batchai.v2018_03_01                 <- batchai_overlays/v2018_03_01/package.py
    batchai.v2018_03_01.models          <- batchai_overlays/v2018_03_01/models.py
    batchai.v2018_03_01.operations      <- batchai_overlays/v2018_03_01/operations.py
    batchai.v2018_03_01.aio             <- batchai_overlays/v2018_03_01/aio.py
    batchai.v2018_03_01.aio.operations  <- batchai_overlays/v2018_03_01/aio_operations.py

The subpackage re-exports the overlay's `__all__` and calls its `patch_sdk()` when imported.

The root packages, which serve every API version, have version-independent overlay modules:

    batchai                             <- batchai_overlays/package.py
    batchai.aio                         <- batchai_overlays/aio.py

They are imported lazily, on the first use of a name the root package does not generate itself:
the root package then exports the overlay's `__all__` and calls its `patch_sdk()` once. After
them, the root packages also export what the default API version's overlay adds to its package
(`batchai_overlays/v2018_03_01/package.py` for `batchai`), as `batchai.models` are the default
version's models. A root overlay must not import a version's overlay modules directly (import
`batchai.vX` instead, which imports its overlays in the right order).

Regenerating the SDK never touches this folder; adding or removing an overlay module needs a
regeneration (`nox -s generate`), since the hooks import them statically for type checkers.
Type checkers read a star import's names only from a literal `__all__` list: keep it literal.
"""
