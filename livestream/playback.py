"""Signed playback: Django decides who may watch, nginx checks the signature.

The player gets a short-lived token when it starts and asks for a new one at most
every VIDEO_TOKEN_REFRESH_SECONDS while it plays. The token rides in the path,

    <base>/<key id>/<expires>/<viewer>/<signature>/<session>/<file>

so the relative segment names of a playlist inherit it, and nginx's `secure_link`
module (deploy/nginx-rtmp.conf.template, deploy/nginx-edge.conf.template) checks
it alone: no request reaches Django per playlist or segment. The signature is
nginx's secure_link_md5 over the expiry, the path prefix (/hls/<session>/ or
/vod/<session>/), the viewer, the key id and the key; it is the MAC the stock nginx
module offers, keyed by a secret of at least 128 bits that never leaves the servers.

Revocation (refund, expired ticket, room or site ban, channel made private, session
cancelled) takes effect when the current token expires: Django refuses the next
refresh and nginx refuses the expired token, so within VIDEO_TOKEN_TTL_SECONDS.
Keys rotate without a cut: VIDEO_SIGNING_KEYS lists "<id>:<secret>" pairs, the
first signs, every listed key verifies; dropping a key (and reloading nginx with
`manage.py video_ingest reload`) revokes every token it signed.
"""

import base64
import hashlib
import re
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.crypto import salted_hmac

KINDS = ("hls", "vod")  # live HLS, replays
_KEY_ID = re.compile(r"^[a-z0-9]{1,16}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{22,128}$")


def signing_keys() -> list[tuple[str, str]]:
    """(key id, secret) pairs, the signing key first. Without VIDEO_SIGNING_KEYS,
    one key derived from SECRET_KEY."""
    raw = settings.VIDEO_SIGNING_KEYS
    if not raw:
        return [("k1", salted_hmac("livestream.playback", "signing key").hexdigest())]
    keys = []
    for item in raw:
        key_id, _, secret = item.partition(":")
        # Both go into nginx's configuration verbatim: nothing but these characters.
        if not _KEY_ID.match(key_id) or not _SECRET.match(secret):
            raise ImproperlyConfigured(
                "VIDEO_SIGNING_KEYS: each entry is <id>:<secret>, the id a-z0-9 (at most "
                "16), the secret 22-128 characters of A-Z a-z 0-9 _ -"
            )
        keys.append((key_id, secret))
    return keys


def signature(
    *, kind: str, session_id: int, viewer: int, expires: int, key_id: str, secret: str
) -> str:
    """What nginx computes (deploy/nginx-rtmp.conf.template, secure_link_md5):
    base64url(md5("<expires>:/<kind>/<session>/:<viewer>:<key id>:<secret>")), unpadded."""
    text = f"{expires}:/{kind}/{session_id}/:{viewer}:{key_id}:{secret}"
    digest = hashlib.md5(text.encode(), usedforsecurity=True).digest()  # noqa: S324 - nginx's secure_link_md5
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@dataclass(frozen=True)
class PlaybackToken:
    kind: str
    session_id: int
    viewer: int
    expires: int
    path: str  # "<key id>/<expires>/<viewer>/<signature>"

    @property
    def base(self) -> str:
        """Where the player's URLs start; the token follows it."""
        root = settings.VIDEO_HLS_URL if self.kind == "hls" else settings.VIDEO_VOD_URL
        return root.rstrip("/") + "/"

    @property
    def source_url(self) -> str:
        """The source rendition's playlist (live: nginx-rtmp's; replays: the copy)."""
        return f"{self.base}{self.path}/{self.session_id}/index.m3u8"

    @property
    def url(self) -> str:
        """What the player loads: with VIDEO_ABR the master playlist (every rendition,
        livestream/ladder.py), else the source's playlist."""
        if settings.VIDEO_ABR:
            return f"{self.base}{self.path}/{self.session_id}/master.m3u8"
        return self.source_url

    def as_json(self) -> dict:
        return {
            "url": self.url,
            "source_url": self.source_url,
            "base": self.base,
            "token": self.path,
            "expires": self.expires,
            "refresh_in": settings.VIDEO_TOKEN_REFRESH_SECONDS,
        }


def token_sign(
    *,
    kind: str,
    session_id: int,
    viewer: int,
    now: float | None = None,
    ttl: int | None = None,
    key: tuple[str, str] | None = None,
) -> PlaybackToken:
    """A token for one viewer (a user id; 0 for nobody in particular) and one
    session's live video or replay. The caller has decided the viewer may watch."""
    if kind not in KINDS:
        raise ValueError(f"kind is one of {KINDS}")
    key_id, secret = key or signing_keys()[0]
    ttl = settings.VIDEO_TOKEN_TTL_SECONDS if ttl is None else ttl
    expires = int((time.time() if now is None else now) + ttl)
    sig = signature(kind=kind, session_id=session_id, viewer=viewer, expires=expires,
                    key_id=key_id, secret=secret)  # fmt: skip
    return PlaybackToken(kind, session_id, viewer, expires, f"{key_id}/{expires}/{viewer}/{sig}")


def nginx_key_map() -> str:
    """The `map` entries nginx verifies with: one line per key id."""
    return "\n".join(f'        "{key_id}" "{secret}";' for key_id, secret in signing_keys())
