"""Discussion API: threads and replies under a session or course, pin/lock, likes.

Reading follows the content's access rule (see discussions/kinds.py); writing needs
a session login. Bad input gives 400 with field messages, refused actions 403 with
the reason (services raise Django's PermissionDenied; core.api_errors keeps its
message), unknown or hidden objects 404.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import IsAuthenticated, IsAuthenticatedOrReadOnly
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_query import query_params
from discussions import selectors, services


class AuthorOut(api_serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="public_name")


class ReplyOut(api_serializers.Serializer):
    """Deleted replies keep their place with empty text and no author."""

    id = serializers.IntegerField()
    # DRF's metaclass takes declared fields off the class: this one is no Field.parent.
    parent = serializers.IntegerField(source="parent_id", allow_null=True)  # type: ignore[assignment]
    in_reply_to = serializers.IntegerField(source="in_reply_to_id", allow_null=True)
    author = serializers.SerializerMethodField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField()
    waiting_for_review = serializers.SerializerMethodField()
    like_count = serializers.IntegerField()
    children = serializers.SerializerMethodField()

    @extend_schema_field(AuthorOut(allow_null=True))
    def get_author(self, obj):
        return None if obj.is_deleted else AuthorOut(obj.author).data

    def get_waiting_for_review(self, obj) -> bool:
        return not obj.is_visible

    @extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/ReplyOut"}})
    def get_children(self, obj) -> list[dict]:
        children = ReplyOut(getattr(obj, "shown_children", []), many=True)
        return list(children.data)  # many=True: a list of replies


class ThreadOut(api_serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    author = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField()
    is_pinned = serializers.BooleanField()
    is_locked = serializers.BooleanField()
    waiting_for_review = serializers.SerializerMethodField()
    like_count = serializers.IntegerField()
    reply_count = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    @extend_schema_field(AuthorOut(allow_null=True))
    def get_author(self, obj):
        return None if obj.is_deleted else AuthorOut(obj.author).data

    def get_waiting_for_review(self, obj) -> bool:
        return not obj.is_visible

    def get_reply_count(self, obj) -> int:
        """Counted with the list's query; one query for a single thread."""
        shown = getattr(obj, "replies_shown", None)
        return selectors.thread_reply_count(thread=obj) if shown is None else shown


# Trimmed, not blank and within the services' limits, so that the schema states what
# the services refuse (core.api_schema declares such a text not blank).
def _title_field() -> serializers.CharField:
    return serializers.CharField(max_length=settings.DISCUSSIONS_MAX_TITLE_CHARS)


def _body_field() -> serializers.CharField:
    return serializers.CharField(max_length=settings.DISCUSSIONS_MAX_BODY_CHARS)


class ThreadIn(api_serializers.Serializer):
    title = _title_field()
    body = _body_field()


class ReplyIn(api_serializers.Serializer):
    body = _body_field()
    in_reply_to = serializers.IntegerField(required=False, allow_null=True)


class BodyIn(api_serializers.Serializer):
    body = _body_field()


class FlagIn(api_serializers.Serializer):
    on = serializers.BooleanField()


class LikeIn(api_serializers.Serializer):
    liked = serializers.BooleanField(required=False, allow_null=True, default=None)


class LikeOut(api_serializers.Serializer):
    liked = serializers.BooleanField()
    like_count = serializers.IntegerField()


class ThreadDetailOut(api_serializers.Serializer):
    thread = ThreadOut()
    replies = ReplyOut(many=True)


class ThreadSortQuery(api_serializers.Serializer):
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), default="newest")


class ReplySortQuery(api_serializers.Serializer):
    sort = serializers.ChoiceField(choices=list(selectors.REPLY_SORTS), default="oldest")


class ThreadListApi(APIView):
    """Threads about one session (`session`) or course (`course`): pinned first."""

    permission_classes = [IsAuthenticatedOrReadOnly]
    # Read by the schema, which declares the page wrapper the GET answers with
    # ({"count", "next", "previous", "results"}) and its `page` parameter.
    pagination_class = PageNumberPagination

    @extend_schema(parameters=[ThreadSortQuery], responses=ThreadOut(many=True))
    def get(self, request, kind: str, pk: int):
        _kind, target = selectors.target_of(kind, pk, request.user)
        if not selectors.area_access(user=request.user, target=target)["may_read"]:
            raise PermissionDenied(
                "Only people with access to this content can read its discussion."
            )
        sort = query_params(request, ThreadSortQuery)["sort"]
        threads = selectors.threads_for_target(target=target, user=request.user, sort=sort)
        paginator = PageNumberPagination()
        paginator.page_size = settings.DISCUSSIONS_PAGE_SIZE
        page = paginator.paginate_queryset(threads, request, view=self)
        return paginator.get_paginated_response(ThreadOut(page, many=True).data)

    @extend_schema(request=ThreadIn, responses={201: ThreadOut})
    def post(self, request, kind: str, pk: int):
        _kind, target = selectors.target_of(kind, pk, request.user)
        data = ThreadIn(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.thread_create(author=request.user, target=target, **data.validated_data)
        return Response(ThreadOut(thread).data, status=201)


class ThreadDetailApi(APIView):
    """A thread with its replies (two levels); edit (PATCH) and delete your own."""

    permission_classes = [IsAuthenticatedOrReadOnly]

    @extend_schema(
        parameters=[ReplySortQuery],
        responses=ThreadDetailOut,
    )
    def get(self, request, pk: int):
        thread = selectors.thread_get_for_user(pk=pk, user=request.user)
        sort = query_params(request, ReplySortQuery)["sort"]
        replies = selectors.replies_for_thread(thread=thread, user=request.user, sort=sort)
        return Response(
            {"thread": ThreadOut(thread).data, "replies": ReplyOut(replies, many=True).data}
        )

    @extend_schema(request=ThreadIn, responses=ThreadOut)
    def patch(self, request, pk: int):
        thread = selectors.thread_get_for_user(pk=pk, user=request.user)
        # A PATCH: what is left out stays as it is (the schema's PatchedThreadIn).
        data = ThreadIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        thread = services.thread_edit(
            user=request.user,
            thread=thread,
            title=data.validated_data.get("title", thread.title),
            body=data.validated_data.get("body", thread.body),
        )
        return Response(ThreadOut(thread).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        thread = selectors.thread_get_for_user(pk=pk, user=request.user)
        services.thread_delete(user=request.user, thread=thread)
        return Response(status=204)


class _ThreadFlagApi(APIView):
    permission_classes = [IsAuthenticated]
    flag: services.ThreadFlag

    @extend_schema(request=FlagIn, responses=ThreadOut)
    def post(self, request, pk: int):
        thread = selectors.thread_get_for_user(pk=pk, user=request.user)
        data = FlagIn(data=request.data)
        data.is_valid(raise_exception=True)
        thread = services.thread_flag_set(
            user=request.user, thread=thread, flag=self.flag, on=data.validated_data["on"]
        )
        return Response(ThreadOut(thread).data)


class ThreadPinApi(_ThreadFlagApi):
    """Pin or unpin (the channel's creator or staff)."""

    flag = "pin"


class ThreadLockApi(_ThreadFlagApi):
    """Lock (no new replies) or unlock (the channel's creator or staff)."""

    flag = "lock"


class ReplyCreateApi(APIView):
    """Reply to the thread, or (with `in_reply_to`) to one of its replies."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=ReplyIn, responses={201: ReplyOut})
    def post(self, request, pk: int):
        thread = selectors.thread_get_for_user(pk=pk, user=request.user)
        data = ReplyIn(data=request.data)
        data.is_valid(raise_exception=True)
        in_reply_to = None
        if data.validated_data.get("in_reply_to"):
            in_reply_to = selectors.reply_get_for_user(
                pk=data.validated_data["in_reply_to"], user=request.user
            )
        reply = services.reply_create(
            author=request.user,
            thread=thread,
            body=data.validated_data["body"],
            in_reply_to=in_reply_to,
        )
        return Response(ReplyOut(reply).data, status=201)


class ReplyDetailApi(APIView):
    """Edit (within the edit window) or delete your own reply."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=BodyIn, responses=ReplyOut)
    def patch(self, request, pk: int):
        reply = selectors.reply_get_for_user(pk=pk, user=request.user)
        data = BodyIn(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        reply = services.reply_edit(
            user=request.user, reply=reply, body=data.validated_data.get("body", reply.body)
        )
        return Response(ReplyOut(reply).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request, pk: int):
        reply = selectors.reply_get_for_user(pk=pk, user=request.user)
        services.reply_delete(user=request.user, reply=reply)
        return Response(status=204)


class LikeApi(APIView):
    """Like (`liked: true`), unlike (`false`) or toggle (omitted) a session, course,
    thread, reply or paid-question answer. Repeating a like changes nothing."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=LikeIn, responses=LikeOut)
    def post(self, request, kind: str, pk: int):
        obj = selectors.like_target_get_for_user(kind_name=kind, pk=pk, user=request.user)
        data = LikeIn(data=request.data)
        data.is_valid(raise_exception=True)
        wanted = data.validated_data.get("liked")
        if wanted is None:
            liked, count = services.like_toggle(user=request.user, obj=obj)
        else:
            liked, count = services.like_set(user=request.user, obj=obj, liked=wanted)
        return Response({"liked": liked, "like_count": count})
