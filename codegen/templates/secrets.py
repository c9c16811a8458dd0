"""An API version's secret fields (`_secrets.py`): the JSON body keys whose values `_runtime` masks."""

from __future__ import annotations

from .text import literal


def secrets_module(header: str, title: str, api_version: str, secret_fields: list[tuple[str | None, str]]) -> str:
    entries = "".join(f"        ({literal(parent)}, {literal(key)}),\n" for parent, key in secret_fields)
    fields = f"frozenset(\n    {{\n{entries}    }}\n)" if secret_fields else "frozenset({})"
    return f'''{header}
"""The secret fields of {title}'s JSON bodies (API version {api_version}).

Their values are masked in network traces (`logging_enable=True`) and in the error answers the
client receives; see the package's `_runtime` module.
"""

from __future__ import annotations

# (parent key, key) pairs whose values are secrets; a parent of None is a body's own key
SECRET_FIELDS: frozenset[tuple[str | None, str]] = {fields}
'''
