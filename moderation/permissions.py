"""The "Moderators" group: exactly the admin permissions moderators need.

They run live rooms, the blocked-term list, the review queue (decide items), reports
(read), sanctions (impose and lift), the screening classifier's versions (see
scores, roll back), expert verifications (decide), the audit trail
(read only), and look at (not edit) users and creators' public content; the "Mute or
ban" action on the users page needs `add_sanction`. Nothing of `payments` or
`djstripe`: moderators neither see payment data nor move money. The group is brought
in line after every migrate.
"""

from typing import Any

from django.contrib.auth.models import Group, Permission
from django.db.models import Q

MODERATORS_GROUP = "Moderators"

MODERATOR_PERMISSIONS = [
    ("livestream", "moderate_room"),
    ("livestream", "view_livesession"),
    ("livestream", "view_roomevent"),
    ("livestream", "view_roomquestion"),
    ("livestream", "view_roomsanction"),
    ("moderation", "view_blockedterm"),
    ("moderation", "add_blockedterm"),
    ("moderation", "change_blockedterm"),
    ("moderation", "delete_blockedterm"),
    ("moderation", "view_reviewitem"),
    ("moderation", "change_reviewitem"),  # approve, reject, escalate
    ("moderation", "view_report"),
    ("moderation", "view_sanction"),
    ("moderation", "add_sanction"),
    ("moderation", "change_sanction"),  # lift
    ("moderation", "view_expertverification"),
    ("moderation", "change_expertverification"),  # approve, reject
    ("moderation", "view_verificationdocument"),
    ("moderation", "view_moderationaction"),
    ("moderation", "view_screeningmodel"),
    ("moderation", "change_screeningmodel"),  # make a version active (roll back)
    ("accounts", "view_user"),
    ("marketplace", "view_creatorprofile"),
    ("marketplace", "view_channel"),
    ("marketplace", "view_course"),
]


def moderators_group_sync(**kwargs: Any) -> None:
    """`post_migrate` receiver: the group holds exactly MODERATOR_PERMISSIONS."""
    group, _created = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = Q(pk__in=[])
    for app_label, codename in MODERATOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(wanted))
