"""Pictures people upload for what they own: channel, course and session covers, and
avatars. One upload is checked by Pillow (a real PNG, JPEG, GIF or WebP, within the
byte and pixel limits), turned upright, stripped of EXIF (GPS, camera) by re-encoding,
and stored in the sizes the pages need, side by side under one random folder of the
default storage (MEDIA_ROOT, or the public part of the bucket with MEDIA_S3_BUCKET):

    pictures/<random>/wide.jpg   pictures/<random>/card.jpg   pictures/<random>/thumb.jpg

The model's ImageField holds the largest one; the others are found beside it
(`picture_url`). Without a picture, pages draw a placeholder: initials on a colour
chosen from the name (`placeholder`)."""

import hashlib
import io
import posixpath
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from PIL import Image, ImageOps, UnidentifiedImageError

from core.storage import AliasStorage

PICTURE_DIR = "pictures"
ACCEPTED_FORMATS = frozenset({"PNG", "JPEG", "GIF", "WEBP"})

# Each shape: its renditions as name -> (width, height), largest first. Covers are
# 16:9 (cards, the detail page's banner, small rows), avatars square.
SHAPES: dict[str, dict[str, tuple[int, int]]] = {
    "cover": {"wide": (960, 540), "card": (480, 270), "thumb": (160, 90)},
    "avatar": {"large": (256, 256), "small": (64, 64)},
}

NOT_AN_IMAGE = gettext_lazy(
    "This is not a picture we accept: upload a PNG, JPEG, GIF or WebP image."
)


@dataclass(frozen=True)
class Placeholder:
    initials: str
    colour: str  # a CSS hsl() colour, stable per name


def picture_open(upload: UploadedFile) -> Image.Image:
    """The upload as a decoded, upright RGB image; a ValidationError with a message a
    person can act on when it is empty, too big, too many pixels or not a picture."""
    size = upload.size if upload.size is not None else len(upload.read())
    limit = settings.CONTENT_IMAGE_MAX_BYTES
    if size == 0:
        raise ValidationError(_("The file is empty."), code="empty")
    if size > limit:
        raise ValidationError(
            _("The picture is too large: %(size)s bytes, at most %(max)s.")
            % {"size": size, "max": limit},
            code="too_large",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as probe:
            if probe.format not in ACCEPTED_FORMATS:
                raise ValidationError(NOT_AN_IMAGE, code="type")
            if probe.width * probe.height > settings.CONTENT_IMAGE_MAX_PIXELS:
                raise ValidationError(
                    _("The picture has too many pixels (at most %(max)s).")
                    % {"max": settings.CONTENT_IMAGE_MAX_PIXELS},
                    code="pixels",
                )
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.seek(0)  # the first frame of an animation
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "P"):
                rgba = upright.convert("RGBA")
                flat = Image.new("RGB", rgba.size, (255, 255, 255))
                flat.paste(rgba, mask=rgba.getchannel("A"))
                return flat
            return upright.convert("RGB")
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(NOT_AN_IMAGE, code="type") from None
    finally:
        upload.seek(0)


def renditions_make(image: Image.Image, shape: str) -> dict[str, bytes]:
    """JPEG bytes per rendition of `shape`, cropped to fill (centre), without EXIF."""
    out = {}
    for name, box in SHAPES[shape].items():
        fitted = ImageOps.fit(image, box, method=Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        fitted.save(buffer, format="JPEG", quality=85, optimize=True, progressive=True)
        out[name] = buffer.getvalue()
    return out


def _siblings(stored_name: str, shape: str) -> list[str]:
    folder = posixpath.dirname(stored_name)
    return [f"{folder}/{name}.jpg" for name in SHAPES[shape]]


def picture_replace(
    *, instance: models.Model, field: str, shape: str, upload: UploadedFile | None
) -> None:
    """Store `upload` as the picture in `instance.<field>` (None removes it) and save
    that field only. The old files leave after commit; a refused upload raises
    ValidationError with nothing stored and nothing changed. The caller checks that
    the user may change `instance`."""
    files = renditions_make(picture_open(upload), shape) if upload is not None else {}
    file: FieldFile = getattr(instance, field)
    storage, old = file.storage, file.name
    stored: list[str] = []
    try:
        with transaction.atomic():
            if files:
                folder = f"{PICTURE_DIR}/{secrets.token_urlsafe(12)}"
                for name, data in files.items():
                    stored.append(storage.save(f"{folder}/{name}.jpg", ContentFile(data)))
                setattr(instance, field, stored[0])
            else:
                setattr(instance, field, "")
            instance.save(update_fields=[field])
    except Exception:
        for name in stored:
            storage.delete(name)
        raise
    if old:
        picture_files_delete_on_commit(file, shape, name=old)


def picture_files_delete_on_commit(file: FieldFile, shape: str, *, name: str = "") -> None:
    """Every rendition of the stored picture `name` (default: the one `file` holds)
    leaves the storage once the transaction commits."""
    storage, name = file.storage, name or file.name or ""
    if name:

        def delete() -> None:
            for sibling in _siblings(name, shape):
                storage.delete(sibling)

        transaction.on_commit(delete)


def _shape_of(stored_name: str) -> str:
    """The shape whose largest rendition `stored_name` is (the field holds it)."""
    base = posixpath.basename(stored_name)
    return next((s for s, sizes in SHAPES.items() if f"{next(iter(sizes))}.jpg" == base), "")


def pictures_delete_with_rows(**kwargs: Any) -> None:
    """post_delete receiver: a deleted row's pictures (any picture_field) leave the
    storage after commit, whoever deleted it (a service, a cascade, the admin). A
    rolled-back delete keeps them."""
    instance = kwargs["instance"]
    for field in instance._meta.concrete_fields:
        if getattr(field, "upload_to", None) != f"{PICTURE_DIR}/":
            continue
        file = getattr(instance, field.attname)
        if file and file.name and (shape := _shape_of(file.name)):
            picture_files_delete_on_commit(file, shape)


def pictures_follow_deletes() -> None:
    """Connect pictures_delete_with_rows to every model with a picture field (from
    CoreConfig.ready: core imports no app; it finds them by their field)."""
    # Imported here: only called from CoreConfig.ready(), once every model is loaded.
    from django.apps import apps
    from django.db.models.signals import post_delete

    for model in apps.get_models():
        if any(
            getattr(f, "upload_to", None) == f"{PICTURE_DIR}/" for f in model._meta.concrete_fields
        ):
            post_delete.connect(
                pictures_delete_with_rows,
                sender=model,
                dispatch_uid=f"pictures:{model._meta.label}",
            )


def picture_url(file: FieldFile | None, rendition: str) -> str:
    """The URL of one rendition of a stored picture, or "" when there is none."""
    if not file or not file.name:
        return ""
    folder = posixpath.dirname(file.name)
    return file.storage.url(f"{folder}/{rendition}.jpg")


def placeholder(name: str) -> Placeholder:
    """Up to two initials ("Data Science" -> "DS", "机器学习" -> "机器") on a colour
    chosen from the name, the same every time."""
    words = [w for w in (name or "").split() if w]
    if not words:
        initials = "?"
    elif len(words) == 1 or not words[0].isascii():
        initials = words[0][:2] if not words[0].isascii() else words[0][:1]
    else:
        initials = words[0][:1] + words[1][:1]
    hue = int(hashlib.sha256((name or "").encode()).hexdigest()[:4], 16) % 360
    return Placeholder(initials=initials.upper(), colour=f"hsl({hue} 45% 42%)")


def picture_field(**kwargs: Any) -> models.ImageField:
    """The model field for a picture: the largest rendition's name in the default
    storage (looked up on every use, so S3 switched on applies)."""
    return models.ImageField(
        storage=AliasStorage("default"), upload_to=f"{PICTURE_DIR}/", blank=True, **kwargs
    )
