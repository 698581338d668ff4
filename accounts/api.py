"""Personal API tokens over the API: GET/POST /api/v1/tokens/, DELETE /api/v1/tokens/<id>/.

Tokens are made and revoked from a signed-in browser session (a token cannot mint
or revoke tokens); the secret is in the POST's answer only.
"""

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import api_tokens
from accounts.models import ApiToken, User
from accounts.services import user_avatar_update
from core import api_serializers
from core.picture_api import PictureApi


class TokenOut(api_serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = ("id", "name", "scope", "prefix", "created_at", "last_used_at")


class TokenCreatedOut(TokenOut):
    token = serializers.CharField(help_text="The secret: shown this once, never again.")

    class Meta(TokenOut.Meta):
        fields = (*TokenOut.Meta.fields, "token")  # type: ignore[assignment]


class TokenIn(api_serializers.Serializer):
    name = serializers.CharField(max_length=60)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)


def _session_or_token_user(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)  # IsAuthenticated ran first
    return user


def _session_only(request: Request) -> User:
    if isinstance(request.auth, ApiToken):
        raise exceptions.PermissionDenied("Tokens are managed from a signed-in session.")
    return _session_or_token_user(request)


class TokenListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=TokenOut(many=True), tags=["tokens"])
    def get(self, request: Request) -> Response:
        tokens = api_tokens.api_tokens_for(user=_session_or_token_user(request))
        return Response(TokenOut(tokens, many=True).data)

    @extend_schema(request=TokenIn, responses={201: TokenCreatedOut}, tags=["tokens"])
    def post(self, request: Request) -> Response:
        user = _session_only(request)
        data = TokenIn(data=request.data)
        data.is_valid(raise_exception=True)
        token, raw = api_tokens.api_token_create(user=user, **data.validated_data)
        token.token = raw  # type: ignore[attr-defined]
        return Response(TokenCreatedOut(token).data, status=status.HTTP_201_CREATED)


class TokenDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses={204: None}, tags=["tokens"])
    def delete(self, request: Request, pk: int) -> Response:
        api_tokens.api_token_revoke(user=_session_only(request), pk=pk)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AvatarApi(PictureApi):
    """The signed-in user's avatar."""

    permission_classes = [IsAuthenticated]
    field = shape = "avatar"

    def editable(self, request: Request) -> User:
        assert isinstance(request.user, User)  # IsAuthenticated let it in
        return request.user

    def update(self, user: User, _by: User, upload: Any) -> None:
        user_avatar_update(user=user, upload=upload)


urlpatterns = [
    path("tokens/", TokenListApi.as_view(), name="api_tokens"),
    path("tokens/<int:pk>/", TokenDetailApi.as_view(), name="api_token"),
    path("profile/avatar/", AvatarApi.as_view(), name="api_avatar"),
]
