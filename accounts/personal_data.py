"""What each app holds about a person, and how to hand it over or erase it.

accounts sits at the bottom of the layers and knows no app above it, yet an export
(GDPR Art. 15/20, PIPL Art. 45) and an erasure (GDPR Art. 17, PIPL Art. 47) must
reach every table. So each app registers its own personal data from its
`AppConfig.ready()`, in its `personal_data.py` (as moderation's registry of content
kinds works):

    personal_data.register(
        "chat_messages",
        export=chat_export,          # user -> JSON-ready rows
        erase=chat_erase,            # (user, remove_contributions) -> None
        blockers=open_sessions,      # user -> ["You have 2 sessions with tickets sold."]
        order=40,
    )

Most kinds are plain table rows; `register_rows` says which rows and which columns:

    personal_data.register_rows(
        "reminders", lambda user: SessionReminder.objects.filter(user=user), "session_id"
    )

`export` returns JSON-ready rows (plain values); `files` names uploaded files to put
in the zip; `erase` runs inside the deletion's transaction and must leave no
personal data behind (erase or anonymise; money records are pseudonymised by
payments, never deleted); `blockers` says what the person must settle first (a
creator's balance, unanswered paid questions). Erasure runs in ascending `order`:
payments settles money first (refunds need the accounts intact), accounts erases
the user row last.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile

from accounts.models import User

Rows = Iterable[dict[str, Any]]  # a list, or rows streamed from the database
Files = list[tuple[str, FieldFile]]  # (name in the zip, the stored file)


@dataclass(frozen=True)
class PersonalData:
    name: str
    export: Callable[[User], Rows]
    files: Callable[[User], Iterable[tuple[str, FieldFile]]] | None = None
    erase: Callable[[User, bool], None] | None = None
    blockers: Callable[[User], list[str]] | None = None
    order: int = 50


_kinds: dict[str, PersonalData] = {}


def register(
    name: str,
    *,
    export: Callable[[User], Rows],
    files: Callable[[User], Iterable[tuple[str, FieldFile]]] | None = None,
    erase: Callable[[User, bool], None] | None = None,
    blockers: Callable[[User], list[str]] | None = None,
    order: int = 50,
) -> None:
    """Add (or replace: `ready()` may run twice in tests) the kind called `name`; it
    becomes `<name>.json` in the export."""
    _kinds[name] = PersonalData(name, export, files, erase, blockers, order)


def register_rows(
    name: str,
    of: "Callable[[User], QuerySet[Any]]",
    fields: str,
    *,
    erase: Callable[[User, bool], None] | None = None,
    blockers: Callable[[User], list[str]] | None = None,
    order: int = 50,
) -> None:
    """Register the kind `name` whose export is the `rows` of `of(user)` with the
    space-separated `fields`."""
    register(
        name,
        export=lambda user: rows_stream(of(user), fields),
        erase=erase,
        blockers=blockers,
        order=order,
    )


def kinds() -> list[PersonalData]:
    """Every registered kind, in erasure order (then by name)."""
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.name))


def rows(queryset: "QuerySet[Any]", fields: str) -> list[dict[str, Any]]:
    """The export rows of `queryset`: the space-separated `fields` as plain JSON
    values (dates as ISO text, decimals as strings), in primary-key order."""
    return list(rows_stream(queryset, fields))


def rows_stream(queryset: "QuerySet[Any]", fields: str) -> Iterator[dict[str, Any]]:
    """`rows`, read from a server-side cursor in batches: the export writes them as
    they come, so a kind of many rows (behaviour events, chat) is never held whole."""
    for row in queryset.order_by("pk").values(*fields.split()).iterator(chunk_size=2000):
        yield {key: _plain(value) for key, value in row.items()}


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Model):
        return value.pk
    return value


def unregister(name: str) -> None:
    """Forget a kind (a test's temporary one, mostly)."""
    _kinds.pop(name, None)
