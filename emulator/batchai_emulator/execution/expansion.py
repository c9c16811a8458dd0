"""``$NAME`` and ``${NAME}`` references in paths and arguments, expanded as the service did for its variables."""

from __future__ import annotations

import re
from collections.abc import Mapping

_REFERENCE = re.compile(r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))")


def expand(text: str, variables: Mapping[str, str]) -> str:
    """Replace references to ``variables``; a reference to anything else stays as written."""

    def substitute(match: re.Match[str]) -> str:
        name = match.group("braced") or match.group("bare")
        return variables.get(name, match.group(0))

    return _REFERENCE.sub(substitute, text)
