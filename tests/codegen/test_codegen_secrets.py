"""A property marked x-ms-secret is a secret without any configuration: masked in reprs, in network traces and
in the error answers the client receives, on a tiny generated SDK talking plain HTTP to a local server."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from codegen_specs import param_ref, ref, swagger
from test_codegen_multiapi import run_python

from codegen import generate_files, write_files
from codegen.config import load_config
from codegen.generate import build_code_models

SDK_TOML = """\
[package]
name = "secretsdk"
distribution = "secretsdk-dist"
version = "0.0.1"
description = "A tiny service with secrets."
output = "out"
overlays = "overlays"
overlay_package = "secretsdk_overlays"
default_api_version = "2020-01-01"

[[api_versions]]
version = "2020-01-01"
spec = "spec.json"
"""
PARAMETERS = {
    "SubscriptionIdParameter": {"name": "subscriptionId", "in": "path", "required": True, "type": "string"},
    "ApiVersionParameter": {"name": "api-version", "in": "query", "required": True, "type": "string"},
}
DEFINITIONS = {
    # a secret at the top of a request body, and one nested in a model under another key
    "Thing": {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "password": {"type": "string", "x-ms-secret": True},
            "credentials": ref("Credentials"),
        },
    },
    "Credentials": {
        "type": "object",
        "properties": {"user": {"type": "string"}, "key": {"type": "string", "x-ms-secret": True}},
    },
}
DOCUMENT = swagger(
    paths={
        "/subscriptions/{subscriptionId}/things/{thingName}": {
            "put": {
                "operationId": "Things_Put",
                "parameters": [
                    param_ref("SubscriptionIdParameter"),
                    {"name": "thingName", "in": "path", "required": True, "type": "string"},
                    param_ref("ApiVersionParameter"),
                    {"name": "thing", "in": "body", "required": True, "schema": ref("Thing")},
                ],
                "responses": {"200": {"description": "OK", "schema": ref("Thing")}},
            }
        }
    },
    definitions=DEFINITIONS,
    parameters=PARAMETERS,
    info={"title": "Secrets", "description": "The secret API.", "version": "2020-01-01"},
)

# a local server that rejects every PUT with an ARM error echoing what it was sent
SCRIPT = """
import http.server, io, json, logging, threading

from secretsdk import Secrets, models
from azure.core.credentials import AccessToken
from azure.core.exceptions import HttpResponseError


class Echoing(http.server.BaseHTTPRequestHandler):
    def do_PUT(self):
        sent = self.rfile.read(int(self.headers["Content-Length"])).decode()
        token = self.headers["Authorization"]
        body = json.dumps({"error": {"code": "Rejected", "message": f"cannot accept {sent} from {token}",
                                     "details": [{"code": "Echo", "message": sent}]}}).encode()
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Token:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("bearer-token-xyz", 2**31)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Echoing)
threading.Thread(target=server.serve_forever, daemon=True).start()
trace = io.StringIO()
handler = logging.StreamHandler(trace)
logging.getLogger().addHandler(handler)
logging.getLogger().setLevel(logging.DEBUG)

thing = models.Thing(name="visible-name", password="pass-word-123",
                     credentials=models.Credentials(user="visible-user", key="key-456"))
client = Secrets(Token(), "sub", base_url=f"http://127.0.0.1:{server.server_address[1]}", allow_http=True,
                 logging_enable=True, retry_total=0)
try:
    client.things.put("t1", thing)
except HttpResponseError as error:
    caught = error
server.shutdown()
print(json.dumps({
    "repr": repr(thing) + str(thing),
    "error": str(caught) + repr(caught.error.details) + caught.response.text(),
    "trace": trace.getvalue(),
}))
"""
SECRETS = ["pass-word-123", "key-456", "bearer-token-xyz"]


@pytest.fixture(scope="module")
def output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("secrets")
    (folder / "spec.json").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    (folder / "sdk.toml").write_text(SDK_TOML, encoding="utf-8")
    config = load_config(folder / "sdk.toml")
    write_files(generate_files(config), config.output, config.package)
    return config.output


def test_x_ms_secret_properties_are_the_secret_fields(tmp_path: Path) -> None:
    (tmp_path / "spec.json").write_text(json.dumps(DOCUMENT), encoding="utf-8")
    (tmp_path / "sdk.toml").write_text(SDK_TOML, encoding="utf-8")
    (code_model,) = build_code_models(load_config(tmp_path / "sdk.toml")).values()

    assert code_model.secret_fields == [(None, "password"), ("credentials", "key")]
    models = {model.name: model for model in code_model.models}
    assert models["Thing"].secret_names == ["password"] and models["Credentials"].secret_names == ["key"]


def test_x_ms_secret_values_stay_out_of_reprs_traces_and_errors(output: Path) -> None:
    shown = json.loads(run_python(SCRIPT, output))

    assert "visible-name" in shown["repr"] and "visible-user" in shown["repr"]
    assert "Rejected" in shown["error"] and "visible-user" in shown["error"]  # the error is still told
    assert "Request body" in shown["trace"] and "visible-name" in shown["trace"]  # and the trace written
    for part in ("repr", "error", "trace"):
        for secret in SECRETS:
            assert secret not in shown[part], f"{secret} in the {part}"
