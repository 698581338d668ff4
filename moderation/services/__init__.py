"""Every moderation write: screening, the review queue, reports, appeals, sanctions,
expert verification. Each decision leaves a ModerationAction (the audit trail).

One module per concern; the public names are all here:
`from moderation import services; services.review_approve(...)`.
"""

from moderation.services.privacy import on_personal_data_viewed, personal_data_viewed
from moderation.services.reports import report_submit, reporter_trust
from moderation.services.review import (
    review_appeal,
    review_approve,
    review_escalate,
    review_picture,
    review_picture_remove,
    review_reject,
)
from moderation.services.sanctions import sanction_check, sanction_impose, sanction_lift
from moderation.services.screening import (
    content_hold,
    content_screen,
    creator_content_screen,
    fields_screen,
    review_required,
)
from moderation.services.verification import (
    document_sniff,
    verification_apply,
    verification_approve,
    verification_reject,
)

__all__ = [
    "content_hold",
    "content_screen",
    "creator_content_screen",
    "document_sniff",
    "fields_screen",
    "on_personal_data_viewed",
    "personal_data_viewed",
    "report_submit",
    "reporter_trust",
    "review_appeal",
    "review_approve",
    "review_escalate",
    "review_picture",
    "review_picture_remove",
    "review_reject",
    "review_required",
    "sanction_check",
    "sanction_impose",
    "sanction_lift",
    "verification_apply",
    "verification_approve",
    "verification_reject",
]
