"""Package files: an API version's `__init__.py` files and `_patch.py` hooks, `_version.py`, and the
root package's `__init__.py`, `_patch.py` hooks and `models`/`operations` aliases."""

from __future__ import annotations

from .text import call, literal
from .text import imports as sorted_imports

# what a package's `__init__.py` takes from its `_patch.py` hook
_PATCH_IMPORTS = (
    "from ._patch import *",
    "from ._patch import __all__ as _patch_all",
    "from ._patch import patch_sdk as _patch_sdk",
)


def subpackage_init(
    header: str, docstring: str, imports: list[tuple[str, list[str]]], exported: list[str], first_party: str
) -> str:
    """An `__init__.py` that imports names ((module, names) pairs), exports `exported`, and its
    `_patch.py` hook's names too."""
    statements = [f"from {module} import {name}" for module, names in imports for name in names]
    names = "".join(f'    "{name}",\n' for name in exported)
    return f'''{header}
"""{docstring}"""

{sorted_imports([*statements, *_PATCH_IMPORTS], first_party)}

__all__ = [
{names}]
__all__.extend([name for name in _patch_all if name not in __all__])
_patch_sdk()
'''


def patch_module(header: str, module: str, overlay: str | None, candidate: str) -> str:
    """The `_patch.py` customization hook of a generated module: its overlay's names, or none."""
    if overlay:
        return f'''{header}
"""Customization hook of `{module}`.

The hand-written overlay `{overlay}` extends this module; it survives regeneration.
"""

from {overlay} import *
from {overlay} import __all__, patch_sdk  # noqa: F401
'''
    return f'''{header}
"""Customization hook of `{module}`.

No overlay module `{candidate}` exists; adding one and regenerating makes
this module re-export its `__all__` and call its `patch_sdk()`.
"""

__all__: list[str] = []


def patch_sdk() -> None:
    """Nothing to patch: this module has no overlay."""
'''


def version_module(header: str, version: str) -> str:
    return f'''{header}
"""The version of this package."""

VERSION = {literal(version)}
'''


def root_alias(header: str, package: str, alias: str, default_api_version: str, default_module: str) -> str:
    return f'''{header}
"""`{package}.{alias}` of the default API version ({default_api_version})."""

from ..{default_module}.{alias} import *
from ..{default_module}.{alias} import __all__ as __all__
'''


def root_init(
    header: str,
    docstring: str,
    module: str,
    is_async: bool,
    names: dict[str, str],
    submodules: tuple[str, ...],
    first_party: str,
) -> str:
    """A root package's `__init__.py`: it imports each name, and the package's `_patch.py` hook's, on first access."""
    parent = ".." if is_async else "."
    statements = [
        "import typing as _typing",
        "from . import _patch",
        f"from {parent}_multiapi import LazyExports as _LazyExports",
    ]
    if not is_async:
        statements += [
            "from ._multiapi import API_VERSIONS as _API_VERSIONS",
            "from ._multiapi import DEFAULT_API_VERSION as DEFAULT_API_VERSION",
            "from ._version import VERSION",
        ]
    version = "" if is_async else "\n__version__ = VERSION\nAPI_VERSIONS = tuple(_API_VERSIONS)\n"
    typed = [f"from . import {submodule} as {submodule}" for submodule in submodules]
    typed += [f"from {where} import {name} as {name}" for name, where in names.items()]
    typed.append("from ._patch import *")
    checked = "\n".join("    " + line for line in sorted_imports(typed, "").splitlines())
    exports = call(
        "    ", "_exports = _LazyExports", ["globals()", literal(names), literal(submodules), "_patch._OVERLAYS"]
    )
    return f'''{header}
"""{docstring}"""

{sorted_imports(statements, first_party)}
{version}
if _typing.TYPE_CHECKING:
{checked}
else:
    # every name is imported on its first access: `import {module}` imports no API version
{exports}
    __getattr__ = _exports.getattr
    __dir__ = _exports.dir
'''


def root_patch(
    header: str,
    package: str,
    module: str,
    own_overlay: str | None,
    own_candidate: str,
    default_overlay: str | None,
    default_module: str,
) -> str:
    """A root package's `_patch.py`: the overlays whose names the package exports, in order."""
    if own_overlay:
        own = (
            f"The version-independent overlay `{own_overlay}` extends `{module}`: `{module}` exports\n"
            f"its `__all__` and calls its `patch_sdk()` when it is first imported. It survives regeneration."
        )
    else:
        own = (
            f"No version-independent overlay module `{own_candidate}` exists; adding one and regenerating\n"
            f"makes `{module}` export its `__all__` (imported on first use) and call its `patch_sdk()`."
        )
    default = ""
    if default_overlay:
        wins = " (the version-independent overlay wins a name both have)" if own_overlay else ""
        default = (
            f"\nAs `{package}.models` are the default API version's models, `{module}` also exports what\n"
            f"the default version's overlay `{default_overlay}` adds to `{default_module}`{wins}."
        )
    checked, typing = "", ""
    if own_overlay or default_overlay:
        typing = "\nimport typing as _typing\n"
        stars = [f"    from {overlay} import *\n" for overlay in (own_overlay, default_overlay) if overlay]
        checked = "if _typing.TYPE_CHECKING:\n" + "".join(stars) + "\n"
    entries = [f"({literal(own_overlay)}, True)"] if own_overlay else []
    if default_overlay:
        entries.append(f"({literal(default_module + '._patch')}, False)")
    overlays = "(" + ", ".join(entries) + (",)" if len(entries) == 1 else ")")
    if len(entries) > 1:
        overlays = "(\n" + "".join(f"    {entry},\n" for entry in entries) + ")"
    return f'''{header}
"""Customization hook of `{module}`: the names overlays add to it, imported on their first use.

{own}{default}
"""

from __future__ import annotations
{typing}
{checked}# the modules whose `__all__` `{module}` exports, searched in this order; True: call its patch_sdk() on import
_OVERLAYS: tuple[tuple[str, bool], ...] = {overlays}
'''
