"""How deliveries are signed, and how a receiver checks them (as Stripe does).

Header `Zhiliao-Signature: t=<unix seconds>,v1=<hex>` where the hex is
HMAC-SHA256(secret, f"{t}.{body}") over the exact bytes of the body. During a secret
rotation's grace period a second `v1=` signed with the previous secret follows. A
receiver recomputes the HMAC with its secret, compares in constant time, and refuses
timestamps older than a few minutes (replays).
"""

import hashlib
import hmac
import secrets
import time

HEADER = "Zhiliao-Signature"
SECRET_PREFIX = "whsec_"


def secret_new() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def signature(*, secret: str, timestamp: int, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(*, secrets_: list[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"]
    parts += [f"v1={signature(secret=s, timestamp=timestamp, body=body)}" for s in secrets_ if s]
    return ",".join(parts)


def verify(
    *, header: str, body: bytes, secret: str, tolerance: int = 300, now: int | None = None
) -> bool:
    """True if `header` holds a v1 signature of `body` made with `secret` within
    `tolerance` seconds of now. What a creator's receiver does (README shows it)."""
    timestamp = None
    candidates = []
    for part in header.split(","):
        key, _sep, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((now if now is not None else int(time.time())) - timestamp) > tolerance:
        return False
    expected = signature(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
