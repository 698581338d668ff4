"""moderation's personal data (accounts.personal_data), registered from
ModerationConfig.ready(): expert verification applications and their documents,
reports made, sanctions received, review items about the person's content."""

from accounts import personal_data
from accounts.models import User
from moderation.models import ExpertVerification, Report, ReviewItem, Sanction, VerificationDocument

rows = personal_data.rows


def verification_export(user: User) -> personal_data.Rows:
    return [
        {
            "credentials": application.credentials,
            "status": application.status,
            "decision_reason": application.decision_reason,
            "created_at": application.created_at.isoformat(),
            "documents": [
                {"name": doc.original_name, "content_type": doc.content_type, "size": doc.size}
                for doc in application.documents.all()
            ],
        }
        for application in ExpertVerification.objects.filter(user=user).prefetch_related(
            "documents"
        )
    ]


def verification_files(user: User) -> personal_data.Files:
    return [
        (f"{doc.pk}-{(doc.original_name or 'document').rsplit('/', 1)[-1]}", doc.file)
        for doc in VerificationDocument.objects.filter(verification__user=user)
    ]


def moderation_erase(user: User, remove_contributions: bool) -> None:
    """Documents and credentials go; reports and review records stay (they are other
    people's protection, and the moderators' evidence) without the person's words."""
    for doc in VerificationDocument.objects.filter(verification__user=user):
        doc.file.delete(save=False)
        doc.delete()
    ExpertVerification.objects.filter(user=user).update(credentials="")
    Report.objects.filter(reporter=user).update(reason="")
    ReviewItem.objects.filter(author=user).update(excerpt="")


def register() -> None:
    personal_data.register(
        "expert_verification",
        export=verification_export,
        files=verification_files,
        erase=moderation_erase,
        order=30,
    )
    personal_data.register_rows(
        "reports", lambda user: Report.objects.filter(reporter=user), "reason outcome created_at"
    )
    personal_data.register_rows(
        "sanctions",
        lambda user: Sanction.objects.filter(user=user),
        "kind reason channel_id created_at expires_at lifted_at",
    )
