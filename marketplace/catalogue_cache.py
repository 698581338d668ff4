"""A shared cache of what the catalogue shows to everyone.

The catalogue page and API are the same for every visitor with the same query and
language, and they cost 25-30x a one-query view to build (tests/benchmarks). So the
rendered results are cached under a key that includes a catalogue version; any
change to channels, tiers, courses, creators, categories, tags or live sessions
(services or admin alike, through model signals; livestream connects its
sessions' signals itself) moves the version, and old
entries are never read again. Entries also expire after CATALOGUE_CACHE_SECONDS as
a safety net (which also retires sessions that slip out of the listing's time
window without any write).
"""

import hashlib
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import get_language

VERSION_KEY = "catalogue:version"


def _version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def key(namespace: str, params) -> str:
    """The cache key for one query: namespace, parameters, language, version."""
    query = "&".join(f"{k}={v}" for k, values in sorted(params.lists()) for v in values)
    digest = hashlib.sha1(  # noqa: S324 - a cache key, not security
        f"{namespace}|{get_language()}|{query}".encode()
    ).hexdigest()
    return f"catalogue:{_version()}:{digest}"


def get(cache_key: str):
    return cache.get(cache_key)


def put(cache_key: str, value) -> None:
    cache.set(cache_key, value, timeout=settings.CATALOGUE_CACHE_SECONDS)


def bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def bump_on_change(sender, **kwargs) -> None:
    """Signal receiver. Bumps now, and again on commit: a reader that rebuilt an
    entry from the not yet committed state in between cannot keep it."""
    bump()
    transaction.on_commit(bump)
