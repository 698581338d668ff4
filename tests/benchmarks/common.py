"""Helpers shared by the benchmark scripts."""

import os
from urllib.parse import urlsplit, urlunsplit


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _pick(cli, env_name: str, default, cast=int):
    if cli is not None:
        return cli
    if os.environ.get(env_name):
        return cast(os.environ[env_name])
    return default


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.strip("/")


def log(msg: str) -> None:
    print(f"==> {msg}", flush=True)
