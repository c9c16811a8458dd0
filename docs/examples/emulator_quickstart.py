"""Run a Batch AI job on your machine with the unmodified SDK.

Start the emulator first (``batchai-emulator``: it prints its endpoint and CA certificate), then run this
script. It creates a one-node cluster, runs a job with the lifecycle helper ``jobs.run`` (progress on stderr)
and prints what the job wrote to its standard output. Another endpoint or certificate: set
BATCHAI_EMULATOR_ENDPOINT and BATCHAI_EMULATOR_CA.
"""

from __future__ import annotations

import os
from pathlib import Path

import requests
from batchai_emulator import EmulatorCredential

import batchai
from batchai import models

ENDPOINT = os.environ.get("BATCHAI_EMULATOR_ENDPOINT", "https://127.0.0.1:8443")
CA = os.environ.get("BATCHAI_EMULATOR_CA", str(Path.home() / ".batchai-emulator" / "tls" / "ca.pem"))
SUBSCRIPTION = "00000000-0000-0000-0000-000000000000"

client = batchai.BatchAIManagementClient(
    EmulatorCredential(), SUBSCRIPTION, base_url=ENDPOINT, connection_verify=CA, polling_interval=1
)
with client:
    cluster = client.clusters.create_and_wait(
        "demo",
        "local",
        models.ClusterCreateParameters(
            location="eastus",
            vm_size="STANDARD_NC6",
            scale_settings=models.ScaleSettings(manual=models.ManualScaleSettings(target_node_count=1)),
            user_account_settings=models.UserAccountSettings(admin_user_name="me", admin_user_password="unused!"),
        ),
    )
    job = models.JobCreateParameters(
        location="eastus",
        cluster=models.ResourceId(id=cluster.id),
        node_count=1,
        std_out_err_path_prefix="$AZ_BATCHAI_MOUNT_ROOT/logs",
        custom_toolkit_settings=models.CustomToolkitSettings(command_line="echo Hello from Batch AI on $(hostname)"),
    )
    run = client.jobs.run("demo", "hello", job, timeout=120, progress=True)
    stdout = next(file for file in run.output_files if file.name == "stdout.txt")
    print(requests.get(stdout.download_url, verify=CA, timeout=30).text, end="")
