"""Every write of the live rooms, by concern:

- `rooms`: who is who in a room (RoomRole), the room's event log, the checks every
  room write shares;
- `chat`, `questions` (the board, paid priority questions), `host` (mute, ban, room
  settings), `tips`, `console` (pinned chat, leaderboard opt-out, overlay keys);
- `sessions`: a session's life (schedule, edit, go live, end, cancel), reminders, and
  telling the audience it is live.

Callers use the names below (`from livestream import services; services.chat_post(...)`).
"""

from livestream.services.chat import (
    ChatPost,
    chat_message_set_visible,
    chat_post,
    chat_posts,
    held_message_decide,
    message_delete,
)
from livestream.services.console import (
    chat_pin,
    leaderboard_opt_out_set,
    overlay_key_get_or_create,
    overlay_key_rotate,
)
from livestream.services.host import (
    room_settings_update,
    sanction_lift,
    user_ban,
    user_mute,
)
from livestream.services.presence import presence_minute_record
from livestream.services.questions import (
    QUESTION_ACTIONS,
    question_ask,
    question_ask_priority,
    question_moderate,
    question_upvote,
)
from livestream.services.refunds import ticket_refund_purchase, ticket_refund_self
from livestream.services.rooms import RoomRole, room_event_append, room_role, viewer_may_watch
from livestream.services.sessions import (
    SESSION_EDITABLE,
    reminder_set,
    session_audience_notify,
    session_cancel,
    session_cover_update,
    session_end,
    session_schedule,
    session_start,
    session_update,
)
from livestream.services.tips import room_tip

__all__ = [
    "ticket_refund_purchase",
    "ticket_refund_self",
    "presence_minute_record",
    "QUESTION_ACTIONS",
    "SESSION_EDITABLE",
    "RoomRole",
    "chat_message_set_visible",
    "chat_pin",
    "leaderboard_opt_out_set",
    "overlay_key_get_or_create",
    "overlay_key_rotate",
    "ChatPost",
    "chat_post",
    "chat_posts",
    "held_message_decide",
    "message_delete",
    "question_ask",
    "question_ask_priority",
    "question_moderate",
    "question_upvote",
    "reminder_set",
    "room_event_append",
    "room_role",
    "room_settings_update",
    "room_tip",
    "sanction_lift",
    "session_audience_notify",
    "session_cancel",
    "session_cover_update",
    "session_end",
    "session_schedule",
    "session_start",
    "session_update",
    "user_ban",
    "user_mute",
    "viewer_may_watch",
]
