"""Listings that apps above marketplace add to its pages.

The home page, the catalogue and a channel's page show live and upcoming sessions,
which belong to livestream, an app above this one. livestream registers the function
that lists them from its AppConfig.ready(); marketplace calls whatever is registered
under a name and knows nothing of who filled it (an empty list if nobody did).

    HOME_SESSIONS       f(*, limit)                     the home page
    CHANNEL_SESSIONS    f(*, channel, limit)            a channel's page
    CATALOGUE_SESSIONS  f(*, filters)                   the catalogue's first page
"""

from collections.abc import Callable
from typing import Any

HOME_SESSIONS = "home.sessions"
CHANNEL_SESSIONS = "channel.sessions"
CATALOGUE_SESSIONS = "catalogue.sessions"

Listing = Callable[..., list[Any]]

_listings: dict[str, Listing] = {}


def register(name: str, listing: Listing) -> None:
    """Fill the listing `name` (a second registration replaces the first)."""
    _listings[name] = listing


def listing(name: str, **kwargs: Any) -> list[Any]:
    """What the app that registered `name` lists for these arguments."""
    fill = _listings.get(name)
    return fill(**kwargs) if fill is not None else []
