"""/api/v1/content/: lessons and articles (the paywall applies: without access only
the preview), and course progress."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from content import selectors, services
from content.models import Access
from core import api_serializers
from marketplace.models import Channel, Course


class _ItemOut(api_serializers.Serializer):
    id = serializers.IntegerField()
    slug = serializers.CharField()
    title = serializers.CharField()
    summary = serializers.CharField()
    access = serializers.ChoiceField(choices=Access.choices)
    url = serializers.CharField(source="get_absolute_url")
    published_at = serializers.DateTimeField()


class LessonOut(_ItemOut):
    course = serializers.CharField(source="course.slug")
    section = serializers.CharField(source="section.title", default=None, allow_null=True)
    position = serializers.IntegerField()


class ArticleOut(_ItemOut):
    channel = serializers.CharField(source="channel.slug")


class _BodyOut(api_serializers.Serializer):
    html = serializers.CharField(help_text="Sanitised HTML: the whole body, or the preview.")
    is_full = serializers.BooleanField()
    has_more = serializers.BooleanField(help_text="Paid content follows that you cannot read.")
    description = serializers.CharField()


class _Attachment(api_serializers.Serializer):
    name = serializers.CharField()
    size = serializers.IntegerField()
    content_type = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url")


class LessonDetailOut(LessonOut):
    body = _BodyOut()
    attachments = _Attachment(many=True)


class ArticleDetailOut(ArticleOut):
    body = _BodyOut()
    attachments = _Attachment(many=True)


def _detail(item, request, serializer):
    body = selectors.body_for_viewer(item=item, user=request.user)
    item.body_view = body
    data = serializer(item).data
    data["body"] = _BodyOut(body).data
    data["attachments"] = (
        _Attachment(selectors.item_attachments(item=item), many=True).data if body.is_full else []
    )
    return data


class LessonListApi(APIView):
    permission_classes = []

    @extend_schema(
        parameters=[OpenApiParameter("course", str, description="Course slug")],
        responses=LessonOut(many=True),
    )
    def get(self, request):
        course = None
        if request.query_params.get("course"):
            course = get_object_or_404(Course, slug=request.query_params["course"])
        qs = selectors.api_lessons(course=course).select_related("section")
        return Response(LessonOut(qs[:500], many=True).data)


class LessonDetailApi(APIView):
    permission_classes = []

    @extend_schema(responses=LessonDetailOut)
    def get(self, request, pk):
        lesson = selectors.lesson_get_by_pk_for_user(pk=pk, user=request.user)
        return Response(_detail(lesson, request, LessonOut))


class ArticleListApi(APIView):
    permission_classes = []

    @extend_schema(
        parameters=[OpenApiParameter("channel", str, description="Channel slug")],
        responses=ArticleOut(many=True),
    )
    def get(self, request):
        channel = None
        if request.query_params.get("channel"):
            channel = get_object_or_404(Channel, slug=request.query_params["channel"])
        return Response(ArticleOut(selectors.api_articles(channel=channel)[:500], many=True).data)


class ArticleDetailApi(APIView):
    permission_classes = []

    @extend_schema(responses=ArticleDetailOut)
    def get(self, request, pk):
        article = selectors.article_get_by_pk_for_user(pk=pk, user=request.user)
        return Response(_detail(article, request, ArticleOut))


class ProgressOut(api_serializers.Serializer):
    course = serializers.CharField()
    done = serializers.ListField(child=serializers.IntegerField())
    done_count = serializers.IntegerField()
    total = serializers.IntegerField()
    percent = serializers.IntegerField()
    resume_lesson = serializers.IntegerField(allow_null=True)


class CourseProgressApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=ProgressOut)
    def get(self, request, slug):
        progress = selectors.course_progress_get_for_user(slug=slug, user=request.user)
        return Response(ProgressOut(progress).data)


class LessonDoneApi(APIView):
    permission_classes = [IsAuthenticated]

    class LessonDoneInputSerializer(api_serializers.Serializer):
        done = serializers.BooleanField(default=True)
        scroll_position = serializers.IntegerField(min_value=0, max_value=100, required=False)

    @extend_schema(request=LessonDoneInputSerializer, responses=ProgressOut)
    def post(self, request, pk):
        lesson = selectors.lesson_get_by_pk_for_user(pk=pk, user=request.user)
        data = self.LessonDoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.progress_mark(user=request.user, lesson=lesson, **data.validated_data)
        progress = selectors.course_progress(user=request.user, course=lesson.course)
        return Response(ProgressOut(progress).data)
