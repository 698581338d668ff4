"""Expert verification: creators apply with checked documents, moderators decide, and
the owner of creator profiles (marketplace) hears the decision and sets its badge."""

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notification_send
from core import events
from moderation import registry
from moderation.events import ExpertVerificationDecided
from moderation.models import ExpertVerification, ModerationAction, VerificationDocument
from moderation.services._shared import audit, decision_record, setting

_SIGNATURES = (
    (b"%PDF-", "application/pdf", {".pdf"}),
    (b"\x89PNG\r\n\x1a\n", "image/png", {".png"}),
    (b"\xff\xd8\xff", "image/jpeg", {".jpg", ".jpeg"}),
)


def document_sniff(upload: UploadedFile) -> str:
    """The real type of an uploaded document (PDF, PNG or JPEG), read from its first
    bytes; anything else (HTML or SVG renamed .png...) raises ValidationError."""
    limit = setting("MODERATION_VERIFICATION_MAX_BYTES", 5 * 1024 * 1024)
    name = upload.name or ""
    if (upload.size or 0) > limit:
        raise ValidationError(
            _("%(name)s is too large (at most %(max)d MB).")
            % {"name": name, "max": limit // (1024 * 1024) or 1}
        )
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    for magic, mime, extensions in _SIGNATURES:
        if head.startswith(magic):
            if extension not in extensions:
                break
            return mime
    raise ValidationError(
        _("%(name)s is not a PDF, PNG or JPEG file (checked by its content).") % {"name": name}
    )


@transaction.atomic
def verification_apply(
    *, user: User, credentials: str, documents: Iterable[UploadedFile] = ()
) -> ExpertVerification:
    if not registry.creator_is(user):
        raise ValidationError(_("Become a creator first, then apply for verification."))
    if registry.creator_is_verified(user):
        raise ValidationError(_("You are already a verified expert."))
    if ExpertVerification.objects.filter(
        user=user, status=ExpertVerification.Status.PENDING
    ).exists():
        raise ValidationError(_("Your application is already waiting for a moderator."))
    credentials = (credentials or "").strip()
    if not credentials:
        raise ValidationError(_("Describe your credentials."))
    documents = list(documents)
    if len(documents) > setting("MODERATION_VERIFICATION_MAX_FILES", 5):
        raise ValidationError(_("Too many documents."))
    sniffed = [(doc, document_sniff(doc)) for doc in documents]  # all checked before saving
    verification = ExpertVerification(user=user, credentials=credentials)
    verification.full_clean()
    verification.save()
    for doc, mime in sniffed:
        VerificationDocument.objects.create(
            verification=verification,
            file=doc,
            original_name=(getattr(doc, "name", "") or "")[-200:],
            content_type=mime,
            size=doc.size or 0,
        )
    return verification


@transaction.atomic
def _verification_decide(
    *, verification: ExpertVerification, moderator: User, approve: bool, reason: str
) -> ExpertVerification:
    verification = ExpertVerification.objects.select_for_update().get(pk=verification.pk)
    if verification.status != ExpertVerification.Status.PENDING:
        raise ValidationError(
            _("Someone else already decided this application (%(status)s).")
            % {"status": verification.get_status_display()}
        )
    status = ExpertVerification.Status.APPROVED if approve else ExpertVerification.Status.REJECTED
    decision_record(verification, status=status, moderator=moderator, reason=reason)
    audit(
        ModerationAction.Kind.VERIFY_APPROVE if approve else ModerationAction.Kind.VERIFY_REJECT,
        actor=moderator,
        verification=verification,
        target_user=verification.user,
        reason=reason,
    )
    notification_send(
        user=verification.user,
        key=f"moderation:verification:{verification.pk}",
        text=_("You are now a verified expert.")
        if approve
        else _("Your verification application was not accepted: %(reason)s") % {"reason": reason},
        url=reverse("moderation:verification"),
    )
    events.send_on_commit(
        ExpertVerificationDecided(
            verification_id=verification.pk, user_id=verification.user_id, approved=approve
        )
    )
    return verification


def verification_approve(
    *, verification: ExpertVerification, moderator: User
) -> ExpertVerification:
    return _verification_decide(
        verification=verification, moderator=moderator, approve=True, reason=""
    )


def verification_reject(
    *, verification: ExpertVerification, moderator: User, reason: str
) -> ExpertVerification:
    if not (reason or "").strip():
        raise ValidationError(_("Tell the applicant why: a reason is required to reject."))
    return _verification_decide(
        verification=verification, moderator=moderator, approve=False, reason=reason.strip()
    )
