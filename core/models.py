"""Abstract model bases and constraint helpers that several apps share; no tables
of their own."""

import operator
from functools import reduce

from django.db import models
from django.db.models import Q


class MoneyAmount(models.Model):
    """An amount of money as the house stores it: integer minor units plus an ISO 4217
    code (tips, purchases, top-ups, payouts, plans, quotes, questions, unlocks)."""

    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        abstract = True


def exactly_one_set(*fields: str) -> Q:
    """A constraint condition: exactly one of these nullable foreign keys is set
    (a revision of a lesson or an article, a ticket for a course or a session)."""
    return reduce(
        operator.or_,
        (Q(**{f"{other}__isnull": other != field for other in fields}) for field in fields),
    )
