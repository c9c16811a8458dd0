"""Builders of tiny Swagger 2.0 documents for the codegen unit tests, and the stages run on them.

A plain module and not a conftest.py: a second conftest module would shadow tests/conftest.py,
which other test modules import by name.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path
from typing import Any

# the generator is imported from the repository root, whichever way pytest was started
ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from codegen.codemodel import CodeModel, Settings, build_code_model  # noqa: E402
from codegen.loader import Spec, load_spec  # noqa: E402

SETTINGS = Settings(package="pkg.v1", sdk_moniker="pkg")

Document = dict[str, Any]


def operation(operation_id: str, response: Document | None = None, **fields: Any) -> Document:
    """An operation object answering 200, with `response` as the schema of that answer if given."""
    ok: Document = {"description": "OK"}
    if response is not None:
        ok["schema"] = response
    return {"operationId": operation_id, "responses": {"200": ok}, **fields}


def swagger(
    paths: Document | None = None,
    definitions: Document | None = None,
    parameters: Document | None = None,
    **fields: Any,
) -> Document:
    """A Swagger 2.0 document with these sections; `fields` adds or replaces top-level keys."""
    document: Document = {
        "swagger": "2.0",
        "info": {"title": "TestClient", "version": "2020-01-01"},
        "host": "management.example.com",
        "schemes": ["https"],
        "paths": copy.deepcopy(paths or {}),
        "definitions": copy.deepcopy(definitions or {}),
        "parameters": copy.deepcopy(parameters or {}),
    }
    document.update(fields)
    return document


def ref(name: str) -> Document:
    return {"$ref": f"#/definitions/{name}"}


def param_ref(name: str) -> Document:
    return {"$ref": f"#/parameters/{name}"}


def load_document(document: Document, folder: Path) -> Spec:
    """Write a document into `folder` as JSON and load it with the loader."""
    path = folder / "spec.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    return load_spec(path)


def build_document(document: Document, folder: Path) -> CodeModel:
    """Load a document and build its code model for the package pkg.v1."""
    return build_code_model(load_document(document, folder), SETTINGS)
