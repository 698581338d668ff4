"""The HTTP side of a delivery: which URLs may receive, and one POST with a short
timeout and no redirects. Nothing here writes to the database."""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

USER_AGENT = "Zhiliao-Webhooks/1.0"
BODY_KEPT = 500  # characters of the receiver's answer kept in the delivery log


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    body: str
    error: str


def _private(address: str) -> bool:
    ip = ipaddress.ip_address(address)
    return not ip.is_global or ip.is_multicast


def url_check(url: str) -> str:
    """The URL, if a creator may register it: HTTPS (plain HTTP only where
    WEBHOOKS_ALLOW_HTTP, for local development), and not an address inside the
    site's own network unless WEBHOOKS_ALLOW_PRIVATE_HOSTS. Else ValidationError."""
    parts = urlsplit(url.strip())
    schemes = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in schemes or not parts.hostname:
        raise ValidationError({"url": _("Enter an https:// address.")})
    if parts.username or parts.password:
        raise ValidationError({"url": _("Leave user names and passwords out of the address.")})
    if not settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        host = parts.hostname
        try:
            literal = _private(host)
        except ValueError:
            literal = host == "localhost" or host.endswith((".localhost", ".local", ".internal"))
        if literal:
            raise ValidationError({"url": _("This address is not reachable from the internet.")})
    return url.strip()


def _resolves_privately(host: str, port: int) -> bool:
    """Checked again at each delivery: a name may point somewhere else later."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_HOSTS:
        return False
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # requests reports the failure to resolve
    return any(_private(str(info[4][0])) for info in infos)


def post(*, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    if _resolves_privately(parts.hostname or "", port):
        return Outcome(False, None, "", "The address resolves inside the site's network.")
    try:
        with requests.post(
            url,
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": USER_AGENT, **headers},
            timeout=(settings.WEBHOOKS_CONNECT_TIMEOUT, settings.WEBHOOKS_READ_TIMEOUT),
            allow_redirects=False,
            stream=True,
        ) as response:
            raw = response.raw.read(BODY_KEPT * 4, decode_content=True) or b""
            text = raw.decode("utf-8", "replace")[:BODY_KEPT]
            ok = 200 <= response.status_code < 300
            return Outcome(
                ok, response.status_code, text, "" if ok else f"HTTP {response.status_code}"
            )
    except requests.RequestException as exc:
        return Outcome(False, None, "", f"{type(exc).__name__}: {exc}"[:300])
