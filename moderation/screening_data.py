"""What the screening classifier learns from and is measured on.

Public data, read in place from ../shared/data/moderation (never copied into the
repository; MODERATION_DATA_DIR points elsewhere):

- COLD (Chinese; label 1 offensive): train.csv to learn, dev.csv to measure.
- Davidson et al. (English; class 0 hate speech or 1 offensive count as offensive):
  train.csv, split by the row's id into four fifths to learn and one fifth held out
  (`davidson_split`), so evaluation never scores a tweet the model learnt.

And the moderators' own decisions in the review queue: a rejected item is offensive,
an approved item that screening held is not (`decisions`).
"""

import csv
import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db.models import Q, QuerySet

from moderation.models import ReviewItem

COLD, DAVIDSON = "cold", "davidson"
FORMATS = (COLD, DAVIDSON)
HELD_OUT_FIFTH = 0  # the fifth of Davidson (by row id) never trained on


class DataMissing(FileNotFoundError):
    pass


@dataclass(frozen=True)
class Example:
    text: str
    label: int  # 1 offensive
    key: str = ""  # the row id in its file, for splitting


def data_dir() -> Path:
    configured = os.environ.get("MODERATION_DATA_DIR") or getattr(
        settings, "MODERATION_DATA_DIR", ""
    )
    if configured:
        return Path(configured)
    return Path(settings.BASE_DIR).parent / "shared" / "data" / "moderation"


def data_path(*parts: str) -> Path:
    path = data_dir().joinpath(*parts)
    if not path.exists():
        raise DataMissing(
            f"{path} is missing: screening reads the shared data folder "
            f"(set MODERATION_DATA_DIR to point elsewhere)"
        )
    return path


def read(path: Path, fmt: str) -> list[Example]:
    """The rows of a COLD or Davidson CSV file as examples."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    with open(path, encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    needed = {"label", "TEXT"} if fmt == COLD else {"class", "tweet"}
    if not rows or not needed <= set(rows[0]):
        raise ValueError(f"{path.name} has no {' and '.join(sorted(needed))} columns ({fmt})")
    if fmt == COLD:
        return [Example(r["TEXT"], int(r["label"] == "1"), r.get("", "")) for r in rows]
    return [Example(r["tweet"], int(r["class"] in ("0", "1")), r.get("", "")) for r in rows]


def fifth(key: str) -> int:
    """Which fifth (0-4) a row falls in, by a hash of its id: fixed across runs."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 5


def davidson_split(rows: Iterable[Example]) -> tuple[list[Example], list[Example]]:
    """(four fifths to train on, the held-out fifth), by a hash of each row's id."""
    train: list[Example] = []
    held_out: list[Example] = []
    for row in rows:
        (held_out if fifth(row.key) == HELD_OUT_FIFTH else train).append(row)
    return train, held_out


def public_training_set() -> list[Example]:
    """COLD's train split and the training four fifths of Davidson."""
    cold = read(data_path("cold", "train.csv"), COLD)
    davidson, _held_out = davidson_split(read(data_path("davidson", "train.csv"), DAVIDSON))
    return cold + davidson


def _decided() -> "QuerySet[ReviewItem]":
    return ReviewItem.objects.filter(
        Q(status=ReviewItem.Status.REJECTED)
        | Q(status=ReviewItem.Status.APPROVED, source=ReviewItem.Source.SCREENING)
    ).exclude(excerpt="")


def decisions() -> list[Example]:
    """Every decided item of the review queue as an example: rejected (whatever
    brought it there) is offensive; approved after screening held it is not."""
    return [
        Example(excerpt, int(status == ReviewItem.Status.REJECTED), f"item:{pk}")
        for pk, excerpt, status in _decided().values_list("pk", "excerpt", "status")
    ]


def decisions_count(*, since: datetime | None = None) -> int:
    """How many decisions there are (made after `since`, if given)."""
    qs = _decided()
    if since is not None:
        qs = qs.filter(decided_at__gt=since)
    return qs.count()
