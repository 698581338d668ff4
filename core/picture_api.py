"""The API shape of one picture (a cover or an avatar), shared by the apps that own
pictures: `PUT` a multipart body with one file in `picture` stores it (checked by
core.pictures, as the web pages are), `DELETE` goes back to the placeholder, `GET`
says where the sizes are. A file whose content is refused (not an image we take,
too many pixels, empty) is a 422 naming the field, `{"picture": ["..."]}` (a well
formed upload that a rule refuses: the schema can only say "a file"), a body
without the file a 400; either way nothing changes.

An app subclasses `PictureApi` with `editable` (the object, if the user may change
it: 404 otherwise), `update` (its service) and `field`/`shape`."""

import functools
from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core import api_serializers
from core.api_parsers import MultiPartParser as CheckedMultiPartParser
from core.pictures import SHAPES, picture_url
from core.refusals import Refused


class PictureInputSerializer(api_serializers.Serializer):
    picture = serializers.FileField(
        help_text="PNG, JPEG, GIF or WebP (checked by content, not by name), within the "
        "byte and pixel limits; cropped to fit, EXIF removed."
    )


@functools.cache  # one component per shape: the schema names it once
def _output(shape: str) -> serializers.Serializer:
    return inline_serializer(
        name=f"{shape.title()}PictureOutput",
        fields={
            "has_picture": serializers.BooleanField(),
            **{
                name: serializers.CharField(help_text=f"{w} x {h} JPEG URL, '' without one")
                for name, (w, h) in SHAPES[shape].items()
            },
        },
    )


def _own(method: Callable[..., Response]) -> Callable[..., Response]:
    def own(self: Any, request: Request, **kwargs: Any) -> Response:
        return method(self, request, **kwargs)

    own.__name__ = method.__name__
    return own


class PictureApi(APIView):
    parser_classes: list[type[BaseParser]] = [CheckedMultiPartParser]
    field = "cover"
    shape = "cover"
    # Given the request and the URL's arguments: the object (404 if not the user's).
    editable: Callable[..., Any]
    # Given the object, the user and the upload (None removes): the app's service.
    update: Callable[..., None]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Each subclass gets its own get/put/delete functions to annotate: extend_schema
        # marks the function object, which subclasses would otherwise share (the last
        # shape annotated would then describe every endpoint).
        super().__init_subclass__(**kwargs)
        output, tags = _output(cls.shape), ["pictures"]
        cls.get = extend_schema(responses=output, tags=tags)(_own(PictureApi.get))  # type: ignore[method-assign]
        cls.put = extend_schema(  # type: ignore[method-assign]
            request={"multipart/form-data": PictureInputSerializer},
            # 422 (`{"picture": ["why"]}`) and the other errors: core.api_schema.
            responses={200: output},
            tags=tags,
        )(_own(PictureApi.put))
        cls.delete = extend_schema(responses={204: None}, tags=tags)(_own(PictureApi.delete))  # type: ignore[method-assign]

    def _shown(self, obj: Any) -> Response:
        file = getattr(obj, self.field)
        return Response(
            {
                "has_picture": bool(file and file.name),
                **{name: picture_url(file, name) for name in SHAPES[self.shape]},
            }
        )

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self._shown(self.editable(request, **kwargs))

    def put(self, request: Request, **kwargs: Any) -> Response:
        obj = self.editable(request, **kwargs)
        upload = request.FILES.get("picture")
        if upload is None:
            raise ValidationError(
                {"picture": _("Send the picture as a multipart/form-data file named “picture”.")}
            )
        try:
            self.update(obj, request.user, upload)
        except ValidationError as exc:
            raise Refused({"picture": exc.messages}) from exc
        obj.refresh_from_db(fields=[self.field])
        return self._shown(obj)

    def delete(self, request: Request, **kwargs: Any) -> Response:
        obj = self.editable(request, **kwargs)
        self.update(obj, request.user, None)
        return Response(status=status.HTTP_204_NO_CONTENT)
