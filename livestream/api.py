"""Room history over HTTP: for late joiners, for clients without a socket, and for the
replay page. Readable by whoever may watch the session; others get 403 (404 for a
session they cannot see at all)."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_query import QueryIntegerField, query_params
from core.picture_api import PictureApi
from livestream import selectors, services


def _session_for_reader(request, pk: int):
    session = selectors.session_get_for_user(pk=pk, user=request.user)
    if not services.room_role(session=session, user=request.user).can_watch:
        raise PermissionDenied("You have no access to this session.")
    return session


SEQ_MAX = 2**62


class ChatQuery(api_serializers.Serializer):
    before = QueryIntegerField(
        required=False, min_value=1, max_value=SEQ_MAX, help_text="Only events with a lower seq."
    )
    limit = QueryIntegerField(
        default=50, min_value=1, max_value=200, help_text="At most this many (1-200, 50)."
    )


class EventsQuery(api_serializers.Serializer):
    after = QueryIntegerField(
        default=0, min_value=0, max_value=SEQ_MAX, help_text="Last seq seen (default 0)."
    )


FrameList = inline_serializer(
    "RoomFrames",
    {"last_seq": serializers.IntegerField(), "events": serializers.ListField(
        child=serializers.DictField())},
)  # fmt: skip


class RoomChatApi(APIView):
    """The latest chat messages, tips and system messages, oldest first."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ChatQuery],
        responses=FrameList,
    )
    def get(self, request, pk: int):
        session = _session_for_reader(request, pk)
        query = query_params(request, ChatQuery)
        last_seq = session.last_seq  # read before the events: never past what they hold
        events = selectors.room_chat_history(
            session=session,
            before=query.get("before"),
            limit=query["limit"],
            include_held=selectors.room_can_see_held(session=session, user=request.user),
        )
        return Response({"last_seq": last_seq, "events": events})


class RoomEventsApi(APIView):
    """Every room event after `after`, in order (what a reconnecting socket receives)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[EventsQuery],
        responses=FrameList,
    )
    def get(self, request, pk: int):
        session = _session_for_reader(request, pk)
        after = query_params(request, EventsQuery)["after"]
        last_seq = session.last_seq  # read before the events: never past what they hold
        events = selectors.room_events_after(
            session_id=session.pk,
            after=after,
            include_held=selectors.room_can_see_held(session=session, user=request.user),
        )
        return Response({"last_seq": last_seq, "events": events})


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


class StudioSessionPictureApi(PictureApi):
    """The cover of one of the host's sessions (without one, pages show the channel's)."""

    permission_classes = [IsAuthenticated]

    def editable(self, request, pk):
        return selectors.session_get_for_editor(user=request.user, pk=pk)

    def update(self, session, user, upload):
        services.session_cover_update(session=session, user=user, upload=upload)
