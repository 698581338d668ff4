"""Where a page view came from, in three coarse labels, and nothing else kept.

A creator's audience page breaks viewers down by city, device and referrer
(recommend.audience, with Laplace noise). What a view stores for that is three short
labels from closed or coarse vocabularies, computed from the request and then
forgotten with the request:

- city: the IP address looked up in MaxMind's GeoLite2 City database (the
  `maxminddb-geolite2` package ships it; `PRIVACY_GEOIP_CITY_DB` points elsewhere,
  "" turns the lookup off). Only "City, CC" (or "CC" when the city is unknown) comes
  out; the address itself is never stored, logged or passed on. Loopback and private
  addresses give "".
- device: "mobile", "tablet" or "desktop" from the User-Agent (no browser, version
  or model), "" for robots and empty agents.
- referrer: "direct" (no Referer), "internal" (this site), "search", "social" or
  "other" by the referring host; the host itself is not kept.

docs/privacy.md, "Private analytics", says the same for users.
"""

import hashlib
import ipaddress
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger(__name__)

DEVICES = ("mobile", "tablet", "desktop")
REFERRERS = ("direct", "internal", "search", "social", "other")

_ROBOT = re.compile(r"bot|crawl|spider|slurp|headless|curl|wget|python-requests", re.I)
_TABLET = re.compile(r"ipad|tablet|kindle|silk|playbook|android(?!.*mobile)", re.I)
_MOBILE = re.compile(r"mobi|iphone|ipod|android|windows phone|harmonyos", re.I)

# Hosts (and their subdomains) by kind. Anything else with a Referer is "other".
_SEARCH = (
    "baidu.com",
    "google.com",
    "google.cn",
    "bing.com",
    "sogou.com",
    "so.com",
    "sm.cn",
    "duckduckgo.com",
    "yandex.ru",
    "yahoo.com",
)
_SOCIAL = (
    "weixin.qq.com",
    "wx.qq.com",
    "qq.com",
    "weibo.com",
    "weibo.cn",
    "zhihu.com",
    "douban.com",
    "xiaohongshu.com",
    "xhslink.com",
    "douyin.com",
    "bilibili.com",
    "b23.tv",
    "twitter.com",
    "x.com",
    "t.co",
    "facebook.com",
    "linkedin.com",
    "reddit.com",
    "youtube.com",
)


@dataclass(frozen=True)
class Origin:
    """The coarse labels of one page view ("" where unknown)."""

    city: str = ""
    device: str = ""
    referrer: str = ""


def origin_of(request: HttpRequest) -> Origin:
    """The labels of `request`. Never raises (a view must not fail for analytics)."""
    try:
        return Origin(
            city=city_of_ip(request.META.get("REMOTE_ADDR", "")),
            device=device_of(request.headers.get("User-Agent", "")),
            referrer=referrer_of(request.headers.get("Referer", ""), request.get_host()),
        )
    except Exception:  # noqa: BLE001 - a bad header or host only loses the labels
        logger.warning("visit: origin of a request not derived", exc_info=True)
        return Origin()


def device_of(user_agent: str) -> str:
    if not user_agent or _ROBOT.search(user_agent):
        return ""
    if _TABLET.search(user_agent):
        return "tablet"
    if _MOBILE.search(user_agent):
        return "mobile"
    return "desktop"


def _under(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def referrer_of(referer: str, own_host: str) -> str:
    if not referer:
        return "direct"
    host = (urlsplit(referer).hostname or "").lower().rstrip(".")
    if not host:
        return "other"
    if host == own_host.split(":")[0].lower():
        return "internal"
    if _under(host, _SEARCH):
        return "search"
    if _under(host, _SOCIAL):
        return "social"
    return "other"


def city_of_ip(ip: str) -> str:
    """ "City, CC" for a public address, "CC" if only the country is known, else ""."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if not address.is_global:
        return ""
    reader = _reader(_database_path())
    if reader is None:
        return ""
    record = reader.get(str(address))
    if not isinstance(record, dict):
        return ""
    country = str((record.get("country") or {}).get("iso_code") or "")
    city = str(((record.get("city") or {}).get("names") or {}).get("en") or "")
    if city and country:
        return f"{city}, {country}"[:80]
    return country


def _database_path() -> str:
    path = getattr(settings, "PRIVACY_GEOIP_CITY_DB", None)
    if path is not None:
        return str(path)
    try:
        # Optional at import time: a deployment may ship its own database instead.
        from _maxminddb_geolite2 import geolite2_database
    except ImportError:
        return ""
    return str(geolite2_database())


@lru_cache(maxsize=4)
def _reader(path: str) -> Any:
    """One memory-mapped reader per database file (thread-safe for lookups)."""
    if not path:
        return None
    try:
        # Imported here so that a site without the database never loads the reader.
        import maxminddb

        return maxminddb.open_database(path, maxminddb.MODE_MMAP)
    except (ImportError, OSError, ValueError):
        logger.warning("visit: no GeoIP city database at %r; cities are unknown", path)
        return None


def visitor_key(*, user_id: int | None, session_key: str | None, fallback: str = "") -> str:
    """One person for frequency caps and contribution bounds: the user, else the
    browser session, else (a visitor with no session yet) a hash of their address
    and browser. Kept only in short-lived cache keys, never in the database."""
    if user_id is not None:
        return f"u{user_id}"
    digest = hashlib.sha256((session_key or f"anon:{fallback}").encode()).hexdigest()[:32]
    return f"s{digest}"


def visitor_of(request: HttpRequest) -> str:
    """visitor_key of an HTTP request; writes nothing (no session is created)."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    return visitor_key(
        user_id=user.pk if user is not None and user.is_authenticated else None,
        session_key=session.session_key if session is not None else None,
        fallback=f"{request.META.get('REMOTE_ADDR', '')}|{request.headers.get('User-Agent', '')}",
    )
