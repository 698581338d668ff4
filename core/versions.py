"""A version number shared through the cache: a writer bumps it (after commit), and each
process that holds something built from the data (an index, a trained model) rebuilds it
once the number has moved."""

from django.core.cache import cache


def version_get(key: str) -> int:
    return int(cache.get(key) or 0)


def version_bump(key: str) -> None:
    try:
        cache.incr(key)
    except ValueError:  # not in the cache yet (or evicted): start again
        cache.set(key, 1, timeout=None)
