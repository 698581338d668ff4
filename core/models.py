"""Abstract model bases that several apps share. No tables of their own."""

from django.db import models


class MoneyAmount(models.Model):
    """An amount of money as the house stores it: integer minor units plus an ISO 4217
    code (tips, purchases, top-ups, payouts, plans, quotes, questions, unlocks)."""

    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)

    class Meta:
        abstract = True
