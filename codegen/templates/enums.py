"""An API version's enumerations: `models/_enums.py`."""

from __future__ import annotations

from ..codemodel import CodeModel
from .text import docstring, literal


def enums_module(code_model: CodeModel, header: str, title: str) -> str:
    text = [
        f'''{header}
"""Enumerations of {title} (API version {code_model.api_version}); values compare case-insensitively."""

from enum import Enum

from azure.core import CaseInsensitiveEnumMeta
'''
    ]
    for enum in code_model.enums:
        extent = (
            "The service may use values beyond these."
            if enum.model_as_string
            else "The service uses only these values."
        )
        members = "".join(f"    {value.name} = {literal(value.value)}\n" for value in enum.values)
        text.append(f'''

class {enum.name}(str, Enum, metaclass=CaseInsensitiveEnumMeta):
    """{docstring(enum.description, 4)}

    {extent}
    """

{members}''')
    return "".join(text)
