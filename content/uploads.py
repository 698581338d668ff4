"""Checks on uploaded files: size, real type by magic bytes (never the extension),
images verified by Pillow, and a clean display name. Nothing is stored here."""

import os
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

IMAGE_TYPES = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg"),
               "GIF": ("image/gif", "gif"), "WEBP": ("image/webp", "webp")}  # fmt: skip
MAX_NAME = 100


@dataclass(frozen=True)
class CheckedFile:
    name: str  # display name, cleaned
    content_type: str
    extension: str
    size: int


def clean_name(raw: str) -> str:
    """A display name without paths, control characters or surprises; refused when
    nothing sensible is left."""
    raw = raw or ""
    if "\x00" in raw or ".." in raw.replace("\\", "/").split("/") or raw.startswith(("/", "\\")):
        raise ValidationError(_("The file name is not allowed: use a plain name like notes.pdf."))
    if len(raw) > 255:
        raise ValidationError(_("The file name is too long (at most 255 characters)."))
    name = unicodedata.normalize("NFKC", os.path.basename(raw.replace("\\", "/")))
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    name = re.sub(r"[<>:\"|?*`'&;]", "_", name).strip(" .")
    if not name:
        raise ValidationError(_("The file name is not allowed: use a plain name like notes.pdf."))
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        name = stem[: MAX_NAME - len(ext)] + ext
    return name


def _size(upload: UploadedFile) -> int:
    return upload.size if upload.size is not None else len(upload.read())


def _name_and_size(upload: UploadedFile, *, limit: int, too_large: str) -> tuple[str, int]:
    """The cleaned display name and the size; an empty file or one over `limit` bytes
    is refused (`too_large` is the message, with %(size)s and %(max)s)."""
    name = clean_name(upload.name or "")
    size = _size(upload)
    if size > limit:
        raise ValidationError(too_large % {"size": size, "max": limit})
    if size == 0:
        raise ValidationError(_("The file is empty."))
    return name, size


def _head(upload: UploadedFile, n: int = 4096) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def check_image(upload: UploadedFile) -> CheckedFile:
    name, size = _name_and_size(
        upload,
        limit=settings.CONTENT_IMAGE_MAX_BYTES,
        too_large=_("The image is too large: %(size)s bytes, at most %(max)s."),
    )
    try:
        upload.seek(0)
        with Image.open(upload) as img:
            fmt = img.format
            if img.width * img.height > settings.CONTENT_IMAGE_MAX_PIXELS:
                raise ValidationError(_("The image has too many pixels."))
            img.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This is not an image we accept: upload a PNG, JPEG, GIF or WebP picture.")
        ) from None
    finally:
        upload.seek(0)
    if fmt not in IMAGE_TYPES:
        raise ValidationError(
            _("This is not an image we accept: upload a PNG, JPEG, GIF or WebP picture.")
        )
    content_type, ext = IMAGE_TYPES[fmt]
    return CheckedFile(name=name, content_type=content_type, extension=ext, size=size)


def _sniff_attachment(upload: UploadedFile, head: bytes) -> tuple[str, str] | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf", "pdf"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg", "mp3"
    if head.startswith(b"OggS"):
        return "audio/ogg", "ogg"
    if head[4:8] == b"ftyp" and head[8:12] in (b"M4A ", b"M4B ", b"mp42", b"isom"):
        return "audio/mp4", "m4a"
    if head.startswith(b"PK\x03\x04"):
        try:
            upload.seek(0)
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and any(n.startswith("ppt/") for n in names):
            return (
                "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                "pptx",
            )
    return None


def check_attachment(upload: UploadedFile) -> CheckedFile:
    name, size = _name_and_size(
        upload,
        limit=settings.CONTENT_ATTACHMENT_MAX_BYTES,
        too_large=_("The file is too large: %(size)s bytes, at most %(max)s."),
    )
    sniffed = _sniff_attachment(upload, _head(upload))
    if sniffed is None:
        raise ValidationError(
            _("This file type is not accepted: attach a PDF, slides (PDF or PPTX) or audio "
              "(MP3, M4A, OGG). The type is read from the file's content, not its name.")
        )  # fmt: skip
    content_type, ext = sniffed
    stem, _ext = os.path.splitext(name)
    return CheckedFile(
        name=f"{stem[:90]}.{ext}", content_type=content_type, extension=ext, size=size
    )
