"""A Redis outage is logged once per process, and its end once, however many calls fail."""

import logging

from livestream.shared import RedisOutage


def test_an_outage_is_one_warning_and_one_recovery_line(caplog, monkeypatch):
    outage = RedisOutage()
    clock = iter(range(0, 1000, 1))
    monkeypatch.setattr("livestream.shared.time.monotonic", lambda: float(next(clock)))
    with caplog.at_level(logging.WARNING, logger="livestream.shared"):
        for _ in range(250):  # publishes, receives and ticks failing for seconds
            outage.failed("publish", ConnectionError("refused"))
        assert outage.down
        outage.ok()
        outage.ok()
        # A stale pooled connection fails on its first use right after the restart.
        outage.failed("publish", ConnectionError("closed by server"))
        outage.ok()
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2, lines
    assert "Redis unavailable (publish: ConnectionError: refused)" in lines[0]
    assert "Redis recovered" in lines[1] and "(250 failed calls)" in lines[1]
    assert not outage.down


def test_a_second_outage_later_is_logged_again(caplog, monkeypatch):
    outage = RedisOutage()
    now = [0.0]
    monkeypatch.setattr("livestream.shared.time.monotonic", lambda: now[0])
    with caplog.at_level(logging.WARNING, logger="livestream.shared"):
        outage.failed("tick", OSError("down"))
        now[0] = 5.0
        outage.ok()
        now[0] = 100.0
        outage.failed("tick", OSError("down again"))
        outage.ok()
    messages = [r.getMessage() for r in caplog.records]
    assert [("unavailable" in m, "recovered" in m) for m in messages] == [
        (True, False),
        (False, True),
        (True, False),
        (False, True),
    ]
