"""Hand-written code that the generated `batchai` package picks up through its `_patch.py` hooks.

The logic is written once, for every API version, in version-independent modules:

    errors          the errors and warnings (ValidationError, WaitTimeoutError, ...)
    rules           the Batch AI rules, each for a model of the specs' name and the attributes it reads
    validation      binds the rules to a version's models; checks a call before it is sent (`validated`)
    lifecycle       the lifecycle helpers as flows: generators of the steps needing I/O
    helpers         performs the flows' steps in the caller's thread: the sync helpers
    aio_helpers     awaits them in the caller's task: the async helpers
    job_definition  job files of every version: loading, version inference, unknown keys
    package         what `batchai` exports (and `batchai.vX`, through their `package` overlays)

Each API version has thin bindings in `batchai_overlays/<version>/`, one flat module per generated
subpackage, which the generated hooks import (see codegen/render.py `overlay_module_name`):

    batchai.v2018_03_01                 <- batchai_overlays/v2018_03_01/package.py
    batchai.v2018_03_01.operations      <- batchai_overlays/v2018_03_01/operations.py
    batchai.v2018_03_01.aio.operations  <- batchai_overlays/v2018_03_01/aio_operations.py

Their operation groups are the generated ones with `begin_create`/`update` wrapped by `validated`
and the helpers made from the generated methods (`helpers.create_and_wait(_Jobs.begin_create)`),
so the helpers take the version's path parameters and return its models. The subpackage re-exports
the overlay's `__all__` and calls its `patch_sdk()` when imported; an overlay class listed in
`__all__` replaces the generated class of that name (the generated `__init__` then imports it from
the hook only, so that type checkers see the overlay's class).

The root packages, which serve every API version, have version-independent overlay modules:

    batchai                             <- batchai_overlays/package.py
    batchai.aio                         <- batchai_overlays/aio.py (none so far)

They are imported lazily, on the first use of a name the root package does not generate itself:
the root package then exports the overlay's `__all__` and calls its `patch_sdk()` once. Importing
them imports no API version. A root overlay must not import a version's overlay modules directly.

Regenerating the SDK never touches this folder; adding or removing an overlay module, or changing
an overlay's `__all__`, needs a regeneration (`nox -s generate`), since the hooks import them
statically for type checkers. Type checkers read a star import's names only from a literal
`__all__` list: keep it literal.
"""
