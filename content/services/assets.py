"""Uploaded images and attachments of lessons and articles."""

import secrets

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from content import uploads
from content.models import Asset
from content.services.items import ContentItem, _owner_check


@transaction.atomic
def asset_upload(*, user: User, item: ContentItem, upload: UploadedFile, kind: str) -> Asset:
    """Check then store an image (public storage) or attachment (private storage).
    A refused file raises ValidationError and nothing is stored."""
    _owner_check(user, item.channel)
    if kind == Asset.Kind.IMAGE:
        checked = uploads.check_image(upload)
    elif kind == Asset.Kind.ATTACHMENT:
        checked = uploads.check_attachment(upload)
    else:
        raise ValidationError(_("Choose image or attachment."))
    key = secrets.token_urlsafe(24)
    asset = Asset(
        kind=kind,
        key=key,
        name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        uploaded_by=user,
        **{item.kind: item},
    )
    # The stored name is random: no guessable URL, no user-supplied path.
    stored = f"{secrets.token_urlsafe(18)}.{checked.extension}"
    upload.seek(0)
    field = asset.image if kind == Asset.Kind.IMAGE else asset.file
    field.save(stored, upload, save=False)
    name = field.name
    try:
        asset.save()
    except Exception:
        if name:
            field.storage.delete(name)
        raise
    return asset


@transaction.atomic
def asset_delete(*, user: User, asset: Asset) -> None:
    _owner_check(user, asset.item.channel)
    field = asset.image if asset.kind == Asset.Kind.IMAGE else asset.file
    storage, name = field.storage, field.name
    asset.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))
