from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.pictures import picture_field


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields: Any) -> "User":
        if not email:
            raise ValueError("An email address is required.")
        email = self.normalize_email(email)
        user = self.model(email=email, **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields: Any) -> "User":
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(
        self, email: str, password: str | None = None, **extra_fields: Any
    ) -> "User":
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """A person with an account. Identified by email; no username.

    Creator-specific data lives in marketplace.CreatorProfile, so a learner who
    never creates anything carries none of it.
    """

    username = None  # type: ignore[assignment]  # no username: the email identifies a user
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=60, blank=True)
    bio = models.TextField(_("about you"), max_length=1000, blank=True)
    avatar = picture_field(verbose_name=_("avatar"))  # core.pictures: square renditions
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    # An IANA name ("Asia/Shanghai"); empty: the browser's, detected on the first visit.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    # Set when the account's personal data was erased (accounts.services.deletion): the
    # row stays so that money records keep a (pseudonymous) party.
    deleted_at = models.DateTimeField(null=True, blank=True, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[UserManager] = UserManager()  # type: ignore[assignment]  # email, not username

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Emails are unique regardless of case: Bob@x.com and bob@x.com are one person.
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.public_name

    @property
    def public_name(self) -> str:
        """What other people see: the display name, else the email's local part; a
        deleted account is "deleted user" wherever its contributions remain."""
        if self.deleted_at is not None:
            return str(_("deleted user"))
        return self.display_name or self.email.split("@", 1)[0]


class NotificationKind(models.TextChoices):
    """What a notification is about; each kind but "other" has a per-user delivery
    preference (NotificationPreference) and its own one-click e-mail unsubscribe."""

    GO_LIVE = "go_live", _("Going live (channels you follow, subscribe to or hold a ticket for)")
    REMINDER = "reminder", _("Reminders of sessions you asked about")
    REPLY = "reply", _("Replies to your threads and replies")
    ANSWER = "answer", _("Answers to your questions")
    PRICE_CHANGE = "price_change", _("Price changes of what you follow or subscribe to")
    PAYOUT = "payout", _("Payouts")
    OTHER = "other", _("Account and moderation notices")


class Delivery(models.TextChoices):
    BOTH = "both", _("In the site and by e-mail")
    IN_APP = "in_app", _("In the site only")
    EMAIL = "email", _("By e-mail only")
    NONE = "none", _("Not at all")


class Notification(models.Model):
    """A message for one user inside the site ("a session you can watch is live").

    `key` makes sending idempotent: the same event notifies a user once. The row is
    also the record that an e-mail went out, so a user who wants a kind by e-mail
    only gets a row with `in_app` False: it never shows in the inbox or the badge.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    key = models.CharField(max_length=100)
    kind = models.CharField(
        max_length=20, choices=NotificationKind.choices, default=NotificationKind.OTHER
    )
    in_app = models.BooleanField(default=True)
    text = models.CharField(max_length=300)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="notification_once_per_key")
        ]
        indexes = [
            models.Index(
                fields=["user"],
                condition=models.Q(read_at__isnull=True, in_app=True),
                name="notification_unread",
            )
        ]

    def __str__(self):
        return self.text[:60]


class NotificationPreference(models.Model):
    """How one user wants one kind of notification; no row: `Delivery.BOTH`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    delivery = models.CharField(max_length=10, choices=Delivery.choices, default=Delivery.BOTH)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_preference_once")
        ]

    def __str__(self):
        return f"{self.kind}: {self.delivery}"


class LoginSession(models.Model):
    """Which stored session belongs to which user, recorded at login: ending a user's
    sessions (a ban) deletes these keys instead of decoding every stored session."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions"
    )
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Where the login came from (abuse and account-takeover checks); encrypted at
    # rest and cleared after PRIVACY_IP_RETENTION_DAYS.
    ip = EncryptedTextField(blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["user", "created_at"])]

    def __str__(self):
        return f"{self.user_id}: {self.session_key[:6]}…"


class ConsentPurpose(models.TextChoices):
    PERSONALISATION = "personalisation", _("Personalised recommendations")
    ANALYTICS = "analytics", _("Behaviour analytics")
    MARKETING = "marketing", _("Marketing e-mail")


class ConsentRecord(models.Model):
    """One change of one consent, with its time: the history is the proof (GDPR Art.
    7(1)); the newest row per purpose is the current choice. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    purpose = models.CharField(max_length=20, choices=ConsentPurpose.choices)
    granted = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "purpose", "-created_at"])]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")

    def __str__(self):
        return f"{self.user_id} {self.purpose}={'on' if self.granted else 'off'}"


class DataExport(models.Model):
    """A copy of a user's data (GDPR Art. 15 and 20): a zip built by a Celery job."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being prepared")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)  # percent
    attempts = models.PositiveSmallIntegerField(default=0)
    file = models.CharField(max_length=300, blank=True)  # name in the private storage
    size = models.PositiveBigIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The worker touches this as it goes: a running export silent for longer than
    # PRIVACY_EXPORT_STALE_SECONDS is dead and is started again.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["queued", "running"]),
                name="data_export_one_running_per_user",
            )
        ]
        verbose_name = _("data export")
        verbose_name_plural = _("data exports")

    def __str__(self):
        return f"{self.user_id} export {self.pk} ({self.status})"


class AccountDeletion(models.Model):
    """A request to delete an account (GDPR Art. 17): cancellable until `due_at`,
    then carried out by a beat job. While it runs (or after it failed) the account is
    locked; a failed run is retried."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        RUNNING = "running", _("Being carried out")
        FAILED = "failed", _("Failed, will be retried")
        DONE = "done", _("Done")

    class Contributions(models.TextChoices):
        ANONYMISE = "anonymise", _("Keep them, shown as by a deleted user")
        REMOVE = "remove", _("Remove them")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="deletions"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SCHEDULED)
    contributions = models.CharField(
        _("your chat messages, comments and questions"),
        max_length=10,
        choices=Contributions.choices,
        default=Contributions.ANONYMISE,
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    due_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-requested_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status__in=["scheduled", "running", "failed"]),
                name="account_deletion_one_open_per_user",
            )
        ]
        verbose_name = _("account deletion")
        verbose_name_plural = _("account deletions")

    def __str__(self):
        return f"{self.user_id} deletion ({self.status})"


class ApiToken(models.Model):
    """A personal API token for a third-party client, alongside the session cookie.

    Only a SHA-256 digest of the token is stored: the token is shown once, when it is
    created. `read` tokens may only read (GET, HEAD, OPTIONS); `write` tokens may do
    whatever their owner may do through the API.
    """

    class Scope(models.TextChoices):
        READ = "read", _("Read only")
        WRITE = "write", _("Read and write")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=60)
    scope = models.CharField(_("scope"), max_length=5, choices=Scope.choices)
    prefix = models.CharField(max_length=12)  # shown in lists so owners can tell tokens apart
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
