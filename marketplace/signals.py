"""Signals other apps listen to without marketplace knowing them.

`entitlements_revoked` is sent after the revoking transaction commits, with the ids
of the users who lost access, so open live rooms can end those viewers' sockets.
"""

from django.dispatch import Signal

entitlements_revoked = Signal()  # kwargs: user_ids: list[int]
