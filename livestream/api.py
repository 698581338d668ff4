"""Room history over HTTP: for late joiners, for clients without a socket, and for the
replay page. Readable by whoever may watch the session; others get 403 (404 for a
session they cannot see at all)."""

import re
from typing import overload

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from livestream import selectors, services


def _session_for_reader(request, pk: int):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    if not services.room_role(session=session, user=request.user).can_watch:
        raise PermissionDenied("You have no access to this session.")
    return session


@overload
def _int_param(request: Request, name: str, *, default: int, low: int, high: int) -> int: ...
@overload
def _int_param(
    request: Request, name: str, *, default: None, low: int, high: int
) -> int | None: ...
def _int_param(
    request: Request, name: str, *, default: int | None, low: int, high: int
) -> int | None:
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    if not re.fullmatch(r"[0-9]{1,19}", raw) or not low <= int(raw) <= high:
        raise serializers.ValidationError({name: [f"Give a whole number from {low} to {high}."]})
    return int(raw)


FrameList = inline_serializer(
    "RoomFrames",
    {"last_seq": serializers.IntegerField(), "events": serializers.ListField(
        child=serializers.DictField())},
)  # fmt: skip


class RoomChatApi(APIView):
    """The latest chat messages, tips and system messages, oldest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("before", int, description="Only events with a lower seq."),
            OpenApiParameter("limit", int, description="At most this many (1-200, 50)."),
        ],
        responses=FrameList,
    )
    def get(self, request, pk: int):
        session = _session_for_reader(request, pk)
        before = _int_param(request, "before", default=None, low=1, high=2**62)
        limit = _int_param(request, "limit", default=50, low=1, high=200)
        events = selectors.room_chat_history(
            session=session,
            before=before,
            limit=limit,
            include_held=selectors.room_can_see_held(session=session, user=request.user),
        )
        return Response({"last_seq": session.last_seq, "events": events})


class RoomEventsApi(APIView):
    """Every room event after `after`, in order (what a reconnecting socket receives)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OpenApiParameter("after", int, description="Last seq seen (default 0).")],
        responses=FrameList,
    )
    def get(self, request, pk: int):
        session = _session_for_reader(request, pk)
        after = _int_param(request, "after", default=0, low=0, high=2**62)
        events = selectors.room_events_after(
            session_id=session.pk,
            after=after,
            include_held=selectors.room_can_see_held(session=session, user=request.user),
        )
        return Response({"last_seq": session.last_seq, "events": events})


class RoomQuestionsApi(APIView):
    """The question board: open (pinned, then most votes, then oldest), then the rest."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses=inline_serializer(
            "QuestionBoard", {"questions": serializers.ListField(child=serializers.DictField())}
        )
    )
    def get(self, request, pk: int):
        session = _session_for_reader(request, pk)
        board = selectors.question_board(session=session)
        return Response({"questions": [selectors.question_payload(q) for q in board]})
