"""A real S3-compatible server for the storage tests: moto in server mode (HTTP on
127.0.0.1), started once per test run. If it cannot start, the tests that need it
fail: they are never skipped."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from tests.asgi_servers import free_port

_http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory):
    """moto_server on a free port; yields its endpoint URL."""
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    moto = Path(sys.executable).with_name("moto_server")
    env = {**os.environ, "NO_PROXY": "*", "no_proxy": "*"}
    with log.open("wb") as out:
        proc = subprocess.Popen(  # noqa: S603 - our own venv's moto_server
            [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=out, stderr=out, env=env
        )
    endpoint = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            _http.open(endpoint + "/moto-api/", timeout=2)
            break
        except (urllib.error.URLError, OSError):
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"moto_server did not start: {log.read_text()[-2000:]}", pytrace=False)
            time.sleep(0.2)
    yield endpoint
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture
def s3(s3_server, settings):
    """STORAGES on a fresh bucket of the S3 server, as MEDIA_S3_BUCKET sets them."""
    import boto3
    from django.core.files.storage import storages

    from config.settings import s3_storages

    bucket = f"zhiliao-{uuid.uuid4().hex[:12]}"
    options = {
        "bucket_name": bucket,
        "endpoint_url": s3_server,
        "region_name": "us-east-1",
        "access_key": "testing",
        "secret_key": "testing",
        "file_overwrite": False,
    }
    client = boto3.client(
        "s3", endpoint_url=s3_server, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    )  # fmt: skip
    client.create_bucket(Bucket=bucket)
    settings.STORAGES = {**settings.STORAGES, **s3_storages(options)}
    yield {"client": client, "bucket": bucket, "endpoint": s3_server}
    storages._storages = {}  # drop the cached S3 storages with the settings


def bucket_keys(s3) -> list[str]:
    listing = s3["client"].list_objects_v2(Bucket=s3["bucket"])
    return sorted(o["Key"] for o in listing.get("Contents", []))


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with _http.open(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""
