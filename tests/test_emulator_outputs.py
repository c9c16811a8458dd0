"""listOutputFiles lists real files; their download URLs are served by the emulator, expire, and open one file only."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

import pytest
import requests
from batchai_emulator.downloads import DOWNLOAD_PREFIX, DownloadSigner, Grant, resolve_inside

SUB = "00000000-0000-0000-0000-000000000000"
PROVIDER = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.BatchAI"
JOB = {
    "location": "eastus",
    "properties": {
        "cluster": {"id": f"{PROVIDER}/clusters/c1"},
        "nodeCount": 1,
        "stdOutErrPathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/logs",
        "outputDirectories": [{"id": "MODEL", "pathPrefix": "$AZ_BATCHAI_MOUNT_ROOT/models"}],
        "customToolkitSettings": {"commandLine": "echo hi"},
    },
}


@pytest.fixture
def http(arm_server):
    session = requests.Session()

    def call(method, target, *, token=True, **query):
        url = target if target.startswith("https://") else arm_server.url(target, **query)
        headers = {"Authorization": f"Bearer {arm_server.token}"} if token else {}
        return session.request(method, url, headers=headers, verify=arm_server.ca_path, timeout=10)

    yield call
    session.close()


@pytest.fixture
def job(arm_server, http):
    arm_server.lro_mode = "200"
    arm_server.page_size = 100
    arm_server.output_files = {
        "MODEL": ["model.ckpt", "b.txt", "checkpoints/epoch-1.ckpt", "checkpoints/deeper/x.bin"],
        "stdouterr": ["stdout.txt", "stderr.txt"],
    }
    reply = requests.put(
        arm_server.url(f"{PROVIDER}/jobs/j1"),
        json=JOB,
        headers={"Authorization": f"Bearer {arm_server.token}"},
        verify=arm_server.ca_path,
        timeout=10,
    )
    assert reply.status_code == 200
    return f"{PROVIDER}/jobs/j1"


def listing(http, job, directory_id="MODEL", **query):
    reply = http("POST", f"{job}/listOutputFiles", outputdirectoryid=directory_id, **query)
    assert reply.status_code == 200, reply.text
    return reply.json()


def test_the_listing_is_the_directory_on_disk(arm_server, http, job):
    entries = listing(http, job)["value"]
    assert [(e["name"], e["isDirectory"]) for e in entries] == [
        ("b.txt", False),
        ("model.ckpt", False),
        ("checkpoints", True),
    ]  # files, then folders, by name
    root = arm_server.scripted.output_directory(f"{PROVIDER}/jobs/j1", "MODEL")
    model = next(e for e in entries if e["name"] == "model.ckpt")
    assert model["properties"]["contentLength"] == (root / "model.ckpt").stat().st_size
    assert model["properties"]["lastModified"].endswith("Z")
    deeper = listing(http, job, directory="checkpoints")["value"]
    assert [(e["name"], e["isDirectory"]) for e in deeper] == [("epoch-1.ckpt", False), ("deeper", True)]
    assert listing(http, job, directory="nowhere")["value"] == []


def test_maxresults_pages_the_listing(http, job):
    first = listing(http, job, maxresults="2")
    assert len(first["value"]) == 2 and "maxresults=2" in first["nextLink"]
    second = http("POST", first["nextLink"]).json()
    assert [e["name"] for e in second["value"]] == ["checkpoints"] and "nextLink" not in second


def test_download_urls_are_served_over_the_same_https(arm_server, http, job):
    entries = listing(http, job, "stdouterr")["value"]
    url = entries[1]["downloadUrl"]
    assert url.startswith(f"{arm_server.base_url}{DOWNLOAD_PREFIX}") and url.endswith("/stdout.txt")
    reply = http("GET", url, token=False)  # like a SAS URL: no bearer token needed
    assert reply.status_code == 200
    assert reply.content == b"stdout.txt of stdouterr\n"
    nested = listing(http, job, directory="checkpoints")["value"][0]["downloadUrl"]
    assert http("GET", nested, token=False).content == b"checkpoints/epoch-1.ckpt of MODEL\n"


def test_download_urls_expire_as_asked(arm_server, http, job):
    before = time.time()
    url = listing(http, job, "stdouterr", linkexpiryinminutes="5")["value"][0]["downloadUrl"]
    grant = arm_server.emulator.signer.verify(urlsplit(url).path[len(DOWNLOAD_PREFIX) :].split("/")[0])
    assert before + 5 * 60 - 1 <= grant.expires <= time.time() + 5 * 60 + 1
    with pytest.raises(PermissionError, match="expired"):
        arm_server.emulator.signer.verify(
            urlsplit(url).path[len(DOWNLOAD_PREFIX) :].split("/")[0], now=grant.expires + 1
        )
    expired = arm_server.emulator.signer.url(
        arm_server.base_url, Grant(grant.job_id, grant.directory_id, grant.path, int(time.time()) - 1)
    )
    reply = http("GET", expired, token=False)
    assert reply.status_code == 403 and "expired" in reply.json()["error"]["message"]


def test_a_download_url_opens_its_own_file_only(arm_server, http, job):
    url = listing(http, job, "stdouterr")["value"][0]["downloadUrl"]
    base, token, name = url.rsplit("/", 2)
    payload, signature = token.split(".")
    assert (
        http("GET", f"{base}/{token}/stdout.txt", token=False).content == b"stderr.txt of stdouterr\n"
    )  # name is cosmetic
    forged = [
        f"{base}/{payload}.{signature[:-2]}AA/{name}",  # a changed signature
        f"{base}/{payload[:-2]}AA.{signature}/{name}",  # a changed grant
        f"{base}/{payload}/{name}",  # no signature
    ]
    for other_key in (DownloadSigner(b"another key"),):
        forged.append(
            other_key.url(arm_server.base_url, Grant(f"{PROVIDER}/jobs/j1", "stdouterr", "stdout.txt", 2**40))
        )
    for attempt in forged:
        assert http("GET", attempt, token=False).status_code == 403, attempt


@pytest.mark.parametrize(
    "path",
    ["../j2/secret.txt", "/etc/passwd", "a/../../x", "checkpoints/../../../etc/passwd", "", ".", "a\\b", "x\x00"],
)
def test_a_signed_path_outside_the_output_directory_is_not_served(arm_server, http, job, path):
    url = arm_server.emulator.signer.url(arm_server.base_url, Grant(f"{PROVIDER}/jobs/j1", "MODEL", path, 2**40))
    assert http("GET", url, token=False).status_code == 404


def test_a_symbolic_link_out_of_the_output_directory_is_not_followed(tmp_path):
    root = tmp_path / "out"
    root.mkdir()
    (tmp_path / "secret.txt").write_text("secret")
    (root / "link.txt").symlink_to(tmp_path / "secret.txt")
    (root / "real.txt").write_text("ok")
    assert resolve_inside(root, "link.txt") is None
    assert resolve_inside(root, "real.txt") == (root / "real.txt").resolve()


def test_a_deleted_job_has_no_files(arm_server, http, job):
    url = listing(http, job, "stdouterr")["value"][0]["downloadUrl"]
    assert http("DELETE", job).status_code == 200
    assert http("GET", url, token=False).status_code == 404


def test_unknown_output_directories_and_escaping_directories_are_refused(http, job):
    assert http("POST", f"{job}/listOutputFiles", outputdirectoryid="nope").status_code == 404
    escaping = http("POST", f"{job}/listOutputFiles", outputdirectoryid="MODEL", directory="../..")
    assert escaping.status_code == 400 and escaping.json()["error"]["target"] == "directory"


def test_remote_login_information_names_this_machine(arm_server, http):
    arm_server.lro_mode = "200"
    body = {
        "location": "eastus",
        "properties": {
            "vmSize": "STANDARD_NC6",
            "scaleSettings": {"manual": {"targetNodeCount": 2}},
            "userAccountSettings": {"adminUserName": "me", "adminUserPassword": "pw"},
        },
    }
    requests.put(
        arm_server.url(f"{PROVIDER}/clusters/c1"),
        json=body,
        headers={"Authorization": f"Bearer {arm_server.token}"},
        verify=arm_server.ca_path,
        timeout=10,
    )
    arm_server.page_size = 10
    nodes = http("POST", f"{PROVIDER}/clusters/c1/listRemoteLoginInformation").json()["value"]
    assert [(node["ipAddress"], node["port"]) for node in nodes] == [("127.0.0.1", 50000), ("127.0.0.1", 50001)]


def _create(arm_server, path: str, body: dict | None, version: str) -> None:
    reply = requests.put(
        arm_server.url(path, **{"api-version": version}),
        json=body,
        headers={"Authorization": f"Bearer {arm_server.token}"},
        verify=arm_server.ca_path,
        timeout=10,
    )
    assert reply.status_code == 200, reply.text


def test_each_version_lists_files_in_its_own_shape(arm_server, http):
    """2018-03-01: isDirectory; 2018-05-01: fileType; 2017-09-01-preview's File cannot be a folder: every file
    below the directory, named by its relative path."""
    arm_server.lro_mode = "200"
    arm_server.output_files = {"stdouterr": ["stdout.txt", "logs/more.txt"]}
    _create(arm_server, f"{PROVIDER}/jobs/old", JOB, "2017-09-01-preview")
    _create(arm_server, f"{PROVIDER}/workspaces/w", {"location": "eastus"}, "2018-05-01")
    _create(arm_server, f"{PROVIDER}/workspaces/w/experiments/e", None, "2018-05-01")
    _create(
        arm_server, f"{PROVIDER}/workspaces/w/experiments/e/jobs/new", {"properties": JOB["properties"]}, "2018-05-01"
    )
    shapes = {}
    for version, job in (("2017-09-01-preview", "jobs/old"), ("2018-05-01", "workspaces/w/experiments/e/jobs/new")):
        reply = http(
            "POST", f"{PROVIDER}/{job}/listOutputFiles", outputdirectoryid="stdouterr", **{"api-version": version}
        )
        shapes[version] = [
            {k: v for k, v in entry.items() if k in ("name", "isDirectory", "fileType")}
            for entry in reply.json()["value"]
        ]
    assert shapes["2017-09-01-preview"] == [{"name": "logs/more.txt"}, {"name": "stdout.txt"}]
    assert shapes["2018-05-01"] == [
        {"name": "stdout.txt", "fileType": "file"},
        {"name": "logs", "fileType": "directory"},
    ]
