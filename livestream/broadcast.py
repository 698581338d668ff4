"""Publishing to live rooms through the channel layer (called on commit).

Each server process subscribes once per room (livestream.hub), so a room event costs
one channel-layer message per process, whatever the number of viewers.

A publish that fails (Redis restarting) is not raised: the event is already saved,
and every process's hub checks the database every few seconds for events it has not
delivered. Viewers get it late, never lose it. The process logs the outage once
(livestream.shared.redis_outage), not once per failed publish.
"""

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from livestream.models import RoomEvent
from livestream.selectors import room_event_frame
from livestream.shared import redis_outage

log = logging.getLogger(__name__)

CONTROL_GROUP = "live.control"


def room_group(session_id: int) -> str:
    return f"live.room.{session_id}"


def _group_send(group: str, message: dict) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception as exc:  # the database is the source of truth; hubs catch up from it
        redis_outage.failed(f"publish to {group}", exc)
    else:
        redis_outage.ok()


def room_event_publish(event: RoomEvent) -> None:
    _group_send(
        room_group(event.session_id),
        {
            "type": "room.event",
            "session": event.session_id,
            "seq": event.seq,
            "text": json.dumps(room_event_frame(event), ensure_ascii=False),
            # Held by screening: the hubs give it to the host and moderators only.
            "held": event.held,
        },
    )


def room_events_publish(events: list[RoomEvent]) -> None:
    """Publish a transaction's events: one channel-layer message for all of them (a
    busy room's batch of chat, livestream.chat_writer), in their order."""
    if len(events) == 1:
        room_event_publish(events[0])
        return
    if not events:
        return
    _group_send(
        room_group(events[0].session_id),
        {
            "type": "room.events",
            "session": events[0].session_id,
            "events": [
                [e.seq, json.dumps(room_event_frame(e), ensure_ascii=False), e.held] for e in events
            ],
        },
    )


def room_control_publish(
    *, action: str, session_id: int | None = None, user_id: int | None = None,
    user_ids: list[int] | None = None,
) -> None:  # fmt: skip
    """Tell the sockets of a room, of a user, or of some users in any room to act.

    Actions: "kick" (banned: close), "close" (session cancelled: close), "recheck"
    (access may have ended: check again and close if it has).
    """
    if user_id is not None:
        user_ids = [user_id]
    _group_send(
        room_group(session_id) if session_id is not None else CONTROL_GROUP,
        {"type": "room.control", "session": session_id, "action": action, "users": user_ids},
    )
