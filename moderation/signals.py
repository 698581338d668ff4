"""Signals other apps listen to.

`sanction_imposed` is sent once the transaction that created the sanction commits,
with `sanction=` (a moderation.models.Sanction). Live rooms end the user's sockets.
"""

from django.dispatch import Signal

sanction_imposed = Signal()
