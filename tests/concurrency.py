"""Helpers for tests where threads, each with its own database connection, race."""

import threading

from django.db import connection


def race(*functions, timeout: float = 30.0) -> list[tuple[str, object]]:
    """Run `functions` in threads released together at a barrier. Returns, per
    function in order, ("ok", its result) or ("error", the exception it raised): the
    loser's error is part of what a race test checks."""
    barrier = threading.Barrier(len(functions))
    results: list = [None] * len(functions)

    def run(i, fn):
        try:
            barrier.wait()
            results[i] = ("ok", fn())
        except Exception as exc:  # noqa: BLE001 - reported to the test, not raised
            results[i] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(functions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
    return results
