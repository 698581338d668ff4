"""REST API of the assistant: ask, vote, support tickets."""

from dataclasses import asdict

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from assistant import selectors
from assistant.services import answering, support
from core import api_serializers
from core.api_schema import trimmed_at_least


def rate_key(request) -> str:
    if request.user.is_authenticated:
        return f"user:{request.user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


class AskInputSerializer(api_serializers.Serializer):
    # Not blank, and without the invisible format characters (zero-width, direction
    # marks) that the assistant refuses in a question (answering.question_clean).
    text = serializers.CharField(
        max_length=settings.ASSISTANT_MAX_QUESTION_CHARS,
        validators=[
            RegexValidator(
                trimmed_at_least(1, also_refused="\\u200b-\\u200f\\u202a-\\u202e\\u2066-\\u2069"),
                gettext_lazy("The question contains invisible control characters: retype it."),
            )
        ],
    )
    place = serializers.ChoiceField(choices=answering.PLACES, default="help")


class PassageSerializer(api_serializers.Serializer):
    item_id = serializers.IntegerField()
    kind = serializers.CharField()
    title = serializers.CharField()
    quote = serializers.CharField(allow_blank=True)
    url = serializers.CharField()
    locked = serializers.BooleanField()
    course_title = serializers.CharField(allow_blank=True)
    score = serializers.FloatField()


class NextStepSerializer(api_serializers.Serializer):
    kind = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment] # an output field named "label"
    url = serializers.CharField()
    price = serializers.CharField(allow_blank=True)


class ReplySerializer(api_serializers.Serializer):
    question_id = serializers.IntegerField(allow_null=True)
    language = serializers.CharField()
    intent = serializers.CharField()
    keywords = serializers.ListField(child=serializers.CharField())
    answered = serializers.BooleanField()
    confidence = serializers.FloatField()
    passages = PassageSerializer(many=True)
    next_steps = NextStepSerializer(many=True)
    unavailable = serializers.BooleanField()
    message = serializers.CharField(allow_blank=True)


class AskApi(APIView):
    """Ask the assistant. 400 with a message for bad input (nothing stored), 429 when
    asking too fast; an unavailable index is a 200 with `unavailable` and next steps."""

    permission_classes = [AllowAny]

    @extend_schema(request=AskInputSerializer, responses=ReplySerializer)
    def post(self, request):
        data = AskInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            reply = answering.question_answer(
                user=request.user,
                text=data.validated_data["text"],
                place=data.validated_data["place"],
                rate_key=rate_key(request),
            )
        except answering.RateLimited as limited:
            return Response({"detail": str(limited)}, status=status.HTTP_429_TOO_MANY_REQUESTS)
        return Response(ReplySerializer(asdict(reply)).data)


class VoteInputSerializer(api_serializers.Serializer):
    question = serializers.IntegerField()
    item = serializers.IntegerField()
    value = serializers.ChoiceField(choices=[(1, "up"), (-1, "down")])


class VoteApi(APIView):
    """Thumbs up (1) or down (-1) on one passage of an answer given to you."""

    permission_classes = [IsAuthenticated]

    @extend_schema(request=VoteInputSerializer, responses={201: None})
    def post(self, request):
        data = VoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        support.vote_cast(
            user=request.user,
            question_id=data.validated_data["question"],
            item_id=data.validated_data["item"],
            value=data.validated_data["value"],
        )
        return Response({"detail": _("Thanks: this changes what the assistant shows.")}, status=201)


class TicketSerializer(api_serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    subject = serializers.CharField(max_length=100_000)
    body = serializers.CharField(allow_blank=True, max_length=100_000, default="")
    question = serializers.IntegerField(required=False, allow_null=True, write_only=True)
    status = serializers.CharField(read_only=True)
    reply = serializers.CharField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class TicketsApi(APIView):
    """Your support tickets (GET), or open one (POST)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TicketSerializer(many=True))
    def get(self, request):
        return Response(
            TicketSerializer(selectors.tickets_of(user=request.user)[:50], many=True).data
        )

    @extend_schema(request=TicketSerializer, responses={201: TicketSerializer})
    def post(self, request):
        data = TicketSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ticket = support.ticket_open(
            user=request.user,
            subject=data.validated_data["subject"],
            body=data.validated_data.get("body", ""),
            question_id=data.validated_data.get("question"),
        )
        return Response(TicketSerializer(ticket).data, status=201)
