"""REST API for paid questions (under /api/v1/qa/).

Money is integer minor units with a currency. Asking charges exactly the stored
quote; a changed price is a 400 asking for a new quote. Services raise Django's
ValidationError; core.api_errors turns it into a 400 with the message.
"""

from typing import Any

from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from core import api_serializers
from core.api_query import query_params
from qa import selectors, services
from qa.models import Difficulty, Question, Quote


class QuoteLineSerializer(api_serializers.Serializer):
    label = serializers.CharField()  # type: ignore[assignment]  # a field may shadow Field.label
    value = serializers.CharField()


# What a quote prices; the question asked from it copies them.
QUOTED_FIELDS = ("expert", "text", "difficulty", "is_public", "amount", "currency")


class QuoteOutputSerializer(api_serializers.ModelSerializer):
    breakdown = QuoteLineSerializer(many=True)
    expert = serializers.IntegerField(source="expert_id")

    class Meta:
        model = Quote
        fields = ("id", *QUOTED_FIELDS, "breakdown", "expires_at")


class AnswerOutputSerializer(api_serializers.Serializer):
    """Files as access-checked URLs, never the storage path."""

    text = serializers.CharField()
    attachment = serializers.SerializerMethodField()
    audio = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def _file(self, obj, kind: str) -> str | None:
        if not getattr(obj, kind):
            return None
        return self.context["request"].build_absolute_uri(obj.file_url(kind))

    def get_attachment(self, obj) -> str | None:
        return self._file(obj, "attachment")

    def get_audio(self, obj) -> str | None:
        return self._file(obj, "audio")


class QuestionOutputSerializer(api_serializers.ModelSerializer):
    asker = serializers.IntegerField(source="asker_id")
    expert = serializers.IntegerField(source="expert_id")
    answer = serializers.SerializerMethodField()
    locked = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = (
            "id",
            "asker",
            *QUOTED_FIELDS,
            "status",
            "deadline",
            "decline_reason",
            "rating",
            "rating_comment",
            "created_at",
            "answered_at",
            "answer",
            "locked",
        )

    def _readable(self, obj) -> bool:
        user = self.context["request"].user
        return selectors.can_read_answer(user=user, question=obj)

    @extend_schema_field(AnswerOutputSerializer(allow_null=True))
    def get_answer(self, obj) -> dict | None:
        answer = getattr(obj, "answer", None)
        if answer is None or not self._readable(obj):
            return None
        user = self.context["request"].user
        if not answer.is_visible and user.pk != obj.expert_id:
            return None
        return AnswerOutputSerializer(answer, context=self.context).data

    def get_locked(self, obj) -> bool:
        return obj.status == Question.Status.ANSWERED and not self._readable(obj)


class ExpertMatchSerializer(api_serializers.Serializer):
    expert = serializers.IntegerField(source="terms.user_id")
    name = serializers.CharField()
    score = serializers.FloatField()
    rating_average = serializers.FloatField(source="terms.rating_average", allow_null=True)
    answered_count = serializers.IntegerField(source="terms.answered_count")
    answer_hours = serializers.IntegerField(source="terms.answer_hours")
    price = serializers.IntegerField(source="quote.amount")
    currency = serializers.CharField(source="quote.currency")
    breakdown = QuoteLineSerializer(source="quote.lines", many=True)


class SimilarSerializer(api_serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    score = serializers.FloatField()
    expert = serializers.IntegerField(source="expert_id")
    unlock_price = serializers.IntegerField()
    currency = serializers.CharField()


class QuestionTextQuery(api_serializers.Serializer):
    q = serializers.CharField(max_length=3000, help_text="The question as typed")


class QuoteApi(APIView):
    permission_classes = [IsAuthenticated]

    class QuoteInputSerializer(api_serializers.Serializer):
        expert = serializers.IntegerField()
        text = serializers.CharField(
            min_length=settings.QA_QUESTION_MIN_CHARS, max_length=settings.QA_QUESTION_MAX_CHARS
        )
        difficulty = serializers.ChoiceField(choices=Difficulty.choices)
        is_public = serializers.BooleanField(default=True)

    @extend_schema(request=QuoteInputSerializer, responses={201: QuoteOutputSerializer})
    def post(self, request):
        data = self.QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)  # text, difficulty, is_public
        expert = get_object_or_404(User, pk=fields.pop("expert"))
        quote = services.quote_create(asker=request.user, expert=expert, **fields)
        return Response(QuoteOutputSerializer(quote).data, status=status.HTTP_201_CREATED)


class RoleQuery(api_serializers.Serializer):
    role = serializers.ChoiceField(choices=["asker", "expert"], default="asker")


class QuestionListApi(APIView):
    permission_classes = [IsAuthenticated]

    class QuestionListInputSerializer(api_serializers.Serializer):
        quote = serializers.IntegerField()
        coupon_code = serializers.CharField(required=False, allow_blank=True, max_length=32)

    @extend_schema(
        parameters=[RoleQuery],
        responses={200: QuestionOutputSerializer(many=True)},
    )
    def get(self, request):
        if query_params(request, RoleQuery)["role"] == "expert":
            questions = selectors.expert_queue(user=request.user)
        else:
            questions = selectors.questions_asked(user=request.user)
        questions = questions.select_related("answer")[:100]
        return Response(
            QuestionOutputSerializer(questions, many=True, context={"request": request}).data
        )

    @extend_schema(request=QuestionListInputSerializer, responses={201: QuestionOutputSerializer})
    def post(self, request):
        data = self.QuestionListInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        question = services.question_ask(
            asker=request.user,
            quote_id=data.validated_data["quote"],
            coupon_code=data.validated_data.get("coupon_code", ""),
        )
        return Response(
            QuestionOutputSerializer(question, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


def _question_response(request, question: Question, code=status.HTTP_200_OK):
    question = Question.objects.select_related("answer").get(pk=question.pk)
    return Response(QuestionOutputSerializer(question, context={"request": request}).data, code)


class QuestionDetailApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: QuestionOutputSerializer})
    def get(self, request, pk: int):
        question = selectors.question_get_for_user(user=request.user, pk=pk)
        return _question_response(request, question)


# An action on one question: POST checks its input, finds the question (for the
# expert's actions among the expert's own: 404 otherwise), calls one service and
# answers with the question. No docstring: the schema would show it on every action.
class _QuestionActionApi(APIView):
    permission_classes = [IsAuthenticated]
    input_serializer: type[serializers.Serializer]
    by_expert = True

    def act(self, user: User, question: Question, data: dict[str, Any]) -> Question:
        raise NotImplementedError

    def post(self, request, pk: int):
        data = self.input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        mine = {"expert": request.user} if self.by_expert else {}
        question = get_object_or_404(Question, pk=pk, **mine)
        question = self.act(request.user, question, dict(data.validated_data))
        return _question_response(request, question)


class AnswerInputSerializer(api_serializers.Serializer):
    text = serializers.CharField(max_length=settings.QA_ANSWER_MAX_CHARS)
    attachment = serializers.FileField(required=False)
    audio = serializers.FileField(required=False)


@extend_schema(request=AnswerInputSerializer, responses={200: QuestionOutputSerializer})
class AnswerApi(_QuestionActionApi):
    parser_classes = [MultiPartParser, FormParser, JSONParser]
    input_serializer = AnswerInputSerializer

    def act(self, user, question, data):
        return services.answer_submit(expert=user, question_id=question.pk, **data)


class DeclineInputSerializer(api_serializers.Serializer):
    reason = serializers.CharField(max_length=500)


@extend_schema(request=DeclineInputSerializer, responses={200: QuestionOutputSerializer})
class DeclineApi(_QuestionActionApi):
    input_serializer = DeclineInputSerializer

    def act(self, user, question, data):
        return services.question_decline(expert=user, question_id=question.pk, **data)


class RateInputSerializer(api_serializers.Serializer):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(allow_blank=True, required=False, max_length=1000)


@extend_schema(request=RateInputSerializer, responses={200: QuestionOutputSerializer})
class RateApi(_QuestionActionApi):
    input_serializer = RateInputSerializer
    by_expert = False  # the asker's: the service says why another may not

    def act(self, user, question, data):
        return services.question_rate(asker=user, question_id=question.pk, **data)


class UnlockApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(request=None, responses={201: QuestionOutputSerializer})
    def post(self, request, pk: int):
        question = selectors.question_get_for_user(user=request.user, pk=pk)
        services.answer_unlock(user=request.user, question_id=question.pk)
        return _question_response(request, question, status.HTTP_201_CREATED)


class ExpertSearchApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[QuestionTextQuery], responses={200: ExpertMatchSerializer(many=True)}
    )
    def get(self, request):
        text = query_params(request, QuestionTextQuery)["q"]
        out = []
        for terms, score in selectors.experts_search(text=text, exclude=request.user):
            quote = services.price_for(
                expert=terms.user, terms=terms, difficulty=Difficulty.STANDARD, text=text
            )
            profile = getattr(terms.user, "creator_profile", None)
            name = profile.display_name if profile else terms.user.public_name
            out.append({"terms": terms, "score": score, "quote": quote, "name": name})
        return Response(ExpertMatchSerializer(out, many=True).data)


class SimilarQuestionsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(parameters=[QuestionTextQuery], responses={200: SimilarSerializer(many=True)})
    def get(self, request):
        text = query_params(request, QuestionTextQuery)["q"]
        rows = [
            {
                "id": q.pk,
                "text": q.text,
                "score": q.score,  # type: ignore[attr-defined]  # set by questions_similar
                "expert_id": q.expert_id,
                "unlock_price": settings.QA_UNLOCK_PRICE,
                "currency": q.currency,
            }
            for q in selectors.questions_similar(text=text)
        ]
        return Response(SimilarSerializer(rows, many=True).data)
