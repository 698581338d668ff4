"""The room's audience over time: one row per room per minute (peak viewers)."""

from datetime import datetime

from django.db import transaction

from livestream.models import RoomPresenceMinute


@transaction.atomic
def presence_minute_record(*, session_id: int, minute: datetime, viewers: int) -> None:
    """Keep the most viewers seen in `minute` (every process's hub reports its view of
    the cross-process count; the highest wins, a repeat changes nothing)."""
    minute = minute.replace(second=0, microsecond=0)
    row = (
        RoomPresenceMinute.objects.select_for_update()
        .filter(session_id=session_id, minute=minute)
        .first()
    )
    if row is None:
        RoomPresenceMinute.objects.bulk_create(
            [RoomPresenceMinute(session_id=session_id, minute=minute, viewers=viewers)],
            ignore_conflicts=True,  # a twin process wrote it first: next minute's report
        )
    elif viewers > row.viewers:
        row.viewers = viewers
        row.save(update_fields=["viewers"])
