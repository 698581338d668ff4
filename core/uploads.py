"""Headers for every response that carries a user-uploaded file."""

from typing import TypeVar

from django.http import HttpResponseBase

PUBLIC_CACHE = "public, max-age=31536000, immutable"  # random names never repeat
PRIVATE_CACHE = "private, no-store"  # access-checked: no shared cache may keep it

R = TypeVar("R", bound=HttpResponseBase)  # a FileResponse streams: not an HttpResponse


def uploaded_file_headers(response: R, *, public: bool = False) -> R:
    """The browser must not sniff an upload into HTML nor run anything in it, even
    if a file got past the upload checks; access-checked files are never cached."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = PUBLIC_CACHE if public else PRIVATE_CACHE
    return response
