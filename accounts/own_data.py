"""accounts' own personal data, registered with accounts.personal_data from
AccountsConfig.ready(): the profile, consents, notifications, login sessions, and
the erasure of the user row itself (last of all)."""

from allauth.account.models import EmailAddress
from django.utils import timezone

from accounts import personal_data
from accounts.models import (
    ConsentRecord,
    DataExport,
    LoginSession,
    Notification,
    NotificationPreference,
    User,
)
from accounts.services import sessions_end
from accounts.services.exports import export_storage
from core.pictures import picture_files_delete_on_commit


def profile_export(user: User) -> personal_data.Rows:
    return personal_data.rows(
        User.objects.filter(pk=user.pk),
        "id email display_name bio avatar preferred_language date_joined last_login",
    ) + [
        {
            "email_addresses": list(
                EmailAddress.objects.filter(user=user).values("email", "verified", "primary")
            )
        }
    ]


def login_sessions_export(user: User) -> personal_data.Rows:
    return [
        {"created_at": session.created_at.isoformat(), "ip": session.ip}
        for session in LoginSession.objects.filter(user=user).order_by("pk")
    ]


def user_erase(user: User, remove_contributions: bool) -> None:
    """Last of all erasers: what is left of the user row is a pseudonym (its id),
    kept because money records and anonymised contributions point at it."""
    sessions_end(user=user)
    LoginSession.objects.filter(user=user).delete()
    Notification.objects.filter(user=user).delete()
    NotificationPreference.objects.filter(user=user).delete()
    ConsentRecord.objects.filter(user=user).delete()
    EmailAddress.objects.filter(user=user).delete()
    for export in DataExport.objects.filter(user=user).exclude(file=""):
        export_storage.delete(export.file)
    DataExport.objects.filter(user=user).delete()
    picture_files_delete_on_commit(user.avatar, "avatar")
    user.avatar = ""
    user.email = f"deleted-{user.pk}@deleted.invalid"
    user.display_name = user.bio = user.first_name = user.last_name = ""
    user.preferred_language = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.deleted_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


def register() -> None:
    personal_data.register("profile", export=profile_export, erase=user_erase, order=90)
    personal_data.register_rows(
        "consents",
        lambda user: ConsentRecord.objects.filter(user=user),
        "purpose granted created_at",
    )
    personal_data.register_rows(
        "notifications",
        lambda user: Notification.objects.filter(user=user),
        "text url created_at read_at",
    )
    personal_data.register_rows(
        "notification_preferences",
        lambda user: NotificationPreference.objects.filter(user=user),
        "kind delivery updated_at",
    )
    personal_data.register("login_sessions", export=login_sessions_export)
