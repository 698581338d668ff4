from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedTextField
from core.pictures import picture_field
from marketplace.models import SessionAccess


class LiveSession(models.Model):
    """A scheduled live broadcast of a channel, and the room where it happens.

    The room's sequence counter is a row of its own (RoomSequence), not a column of
    this one: a chat post never locks the session (livestream.services.rooms).
    """

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        LIVE = "live", _("Live")
        ENDED = "ended", _("Ended")
        CANCELLED = "cancelled", _("Cancelled")

    channel = models.ForeignKey(
        "marketplace.Channel", on_delete=models.CASCADE, related_name="live_sessions"
    )
    course = models.ForeignKey(
        "marketplace.Course",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="live_sessions",
    )
    title = models.CharField(_("title"), max_length=120)
    cover = picture_field(verbose_name=_("cover picture"))  # none: the channel's is shown
    description = models.TextField(_("description"), max_length=5000, blank=True)
    scheduled_start = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(_("planned length (minutes)"), default=60)

    Access = SessionAccess

    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    access = models.CharField(
        _("who may watch"), max_length=20, choices=Access.choices, default=Access.FREE
    )
    # For SUBSCRIBERS: this tier or any dearer tier of the channel.
    required_tier = models.ForeignKey(
        "marketplace.SubscriptionTier",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # For TICKET: the price of one ticket.
    ticket_price_amount = models.PositiveIntegerField(_("ticket price (minor units)"), default=0)
    ticket_currency = models.CharField(_("ticket currency"), max_length=3, blank=True)
    # Self-service refunds: a ticket holder may take their ticket back until this many
    # hours before the start (0: until the start); None: only staff refund.
    refund_hours = models.PositiveSmallIntegerField(
        _("refunds until (hours before the start)"), null=True, blank=True
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Video ingest: whether an encoder is publishing now, and when it last stopped
    # (a reconnect within the grace period keeps the session live).
    publishing = models.BooleanField(default=False, editable=False)
    publish_stopped_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Replay(models.TextChoices):
        NONE = "none", _("No recording")
        PROCESSING = "processing", _("Being prepared")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    replay_status = models.CharField(
        max_length=12, choices=Replay.choices, default=Replay.NONE, editable=False
    )
    replay_hidden = models.BooleanField(_("hide the replay"), default=False)
    # The replay's files are in the video storage's bucket (verified) and no longer
    # on the ingest host's disk; nginx fetches them from there (docs/scaling.md).
    replay_in_bucket = models.BooleanField(default=False, editable=False)
    # Room settings the host changes live.
    slow_mode_seconds = models.PositiveSmallIntegerField(_("slow mode (seconds)"), default=0)
    subscribers_only_chat = models.BooleanField(_("subscribers-only chat"), default=False)
    # The chat message the host pinned above the chat (its seq), shown to late joiners.
    pinned_seq = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("scheduled_start", "id")
        indexes = [models.Index(fields=["status", "scheduled_start"])]
        permissions = [("moderate_room", "Can moderate any live room")]
        verbose_name = _("live session")
        verbose_name_plural = _("live sessions")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("livestream:session_detail", kwargs={"pk": self.pk})

    @property
    def replay_duration(self) -> float:
        """Seconds of replay: the recordings joined, as ffprobe measured them."""
        return sum(d or 0 for d in self.recordings.values_list("duration", flat=True))

    @property
    def refundable_until(self) -> datetime | None:
        """Until when a ticket holder may refund their own ticket (None: never)."""
        if self.refund_hours is None or self.status != self.Status.SCHEDULED:
            return None
        return self.scheduled_start - timedelta(hours=self.refund_hours)

    @property
    def last_seq(self) -> int:
        """The room's last sequence number: as of the session's own read if it was
        loaded with select_related("sequence"), else as committed now (one query)."""
        if LiveSession.sequence.is_cached(self):
            counter = self._state.fields_cache.get("sequence")
            return counter.last_seq if counter is not None else 0
        last = RoomSequence.objects.filter(session_id=self.pk).values_list("last_seq", flat=True)
        return next(iter(last), 0)

    @property
    def is_open(self) -> bool:
        """Chat and questions are open before and during the broadcast."""
        return self.status in (self.Status.SCHEDULED, self.Status.LIVE)


class RoomEvent(models.Model):
    """One accepted room message, numbered in the order the room saw it.

    Saved before it is broadcast; a reconnecting client asks for every event after
    the last number it saw. Presence counts and error frames are not events.
    """

    class Kind(models.TextChoices):
        CHAT = "chat"
        QUESTION = "question"
        QUESTION_UPDATED = "question.updated"
        MESSAGE_DELETED = "message.deleted"
        TIP = "tip"
        SYSTEM = "system"
        SETTINGS = "room.settings"
        MESSAGE_RELEASED = "message.released"
        MESSAGE_PINNED = "message.pinned"

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What clients receive, apart from "type" and "seq" (see docs/live-room-protocol.md).
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)
    # A chat message removed by the host or a moderator: history shows it as deleted.
    deleted_at = models.DateTimeField(null=True, blank=True)
    # A chat message the screening classifier held: only the host and moderators
    # receive it (marked) until one of them approves it (message.released).
    held = models.BooleanField(default=False)
    # The sender's address (chat only), for abuse reports: encrypted at rest, never
    # broadcast, cleared after PRIVACY_IP_RETENTION_DAYS (livestream.personal_data).
    ip = EncryptedTextField(blank=True, default="")

    class Meta:
        ordering = ("session", "seq")
        constraints = [
            models.UniqueConstraint(fields=["session", "seq"], name="room_event_seq_unique"),
        ]
        indexes = [models.Index(fields=["session", "author", "kind", "created_at"])]

    def __str__(self):
        return f"{self.session_id}#{self.seq} {self.kind}"


class RoomSequence(models.Model):
    """A live room's sequence counter: the last number handed to a room event.

    A row of its own, so that taking numbers never locks the session's row (which
    host actions hold while they work). A writer takes its numbers with one upsert
    (`UPDATE ... + k RETURNING`) as the last step of its transaction, after every
    check, and holds the row until commit: the room's numbers are consecutive,
    commit in order, and a rolled-back write gives its numbers back (see
    livestream.services.rooms and docs/live-room-protocol.md, "Sequence numbers").
    No row yet means 0.
    """

    session = models.OneToOneField(
        LiveSession, on_delete=models.CASCADE, primary_key=True, related_name="sequence"
    )
    last_seq = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"{self.session_id}: {self.last_seq}"


class RoomPresenceMinute(models.Model):
    """How many distinct people were in a room during one minute (the most seen at
    any tick of it, across every server process), for the audience analytics: peak
    concurrent viewers and viewer-minutes. Written by the room hubs
    (livestream.hub, services.presence_minute_record)."""

    session = models.ForeignKey(
        LiveSession, on_delete=models.CASCADE, related_name="presence_minutes"
    )
    minute = models.DateTimeField()  # the minute's start, UTC
    viewers = models.PositiveIntegerField()

    class Meta:
        ordering = ("session", "minute")
        constraints = [
            models.UniqueConstraint(
                fields=["session", "minute"], name="room_presence_minute_unique"
            ),
        ]

    def __str__(self):
        return f"{self.session_id} {self.minute:%Y-%m-%d %H:%M} {self.viewers}"


class RoomQuestion(models.Model):
    """A question on a live room's board: learners ask, everyone upvotes once.

    Not qa.Question (a paid question to an expert, answered outside any room)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        ANSWERED = "answered", _("Answered")
        DISMISSED = "dismissed", _("Dismissed")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="questions")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_questions"
    )
    text = models.CharField(_("question"), max_length=300)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.OPEN)
    pinned = models.BooleanField(default=False)
    votes = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    # Dismissed by moderation (a report upheld), not by the host: only such a
    # question comes back when moderation shows it again.
    hidden_by_moderation = models.BooleanField(default=False)

    class Priority(models.TextChoices):
        NONE = "", _("Not paid")
        HELD = "held", _("Paid, held until answered")
        PAID = "paid", _("Answered: paid to the host")
        REFUNDED = "refunded", _("Refunded")

    # A paid priority question (Super Chat-like): the price sits in escrow while the
    # question is open, goes to the host when it is answered, and back to the asker
    # when it is dismissed or the session ends without an answer.
    priority = models.CharField(max_length=10, choices=Priority.choices, default="", blank=True)
    priority_amount = models.PositiveIntegerField(default=0)
    priority_currency = models.CharField(max_length=3, blank=True)
    priority_key = models.CharField(max_length=64, blank=True)

    class Meta:
        # Pinned first, then most votes, then oldest. The live board also puts paid
        # priority questions right after the pinned ones: livestream.selectors.
        # question_board and the page script.
        ordering = ("-pinned", "-votes", "created_at", "id")
        indexes = [models.Index(fields=["session", "status"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "priority_key"],
                condition=~models.Q(priority_key=""),
                name="priority_question_once_per_key",
            )
        ]

    def __str__(self):
        return self.text[:60]


class RoomQuestionVote(models.Model):
    question = models.ForeignKey(RoomQuestion, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "user"], name="question_vote_once"),
        ]

    def __str__(self):
        return f"{self.user_id} upvoted {self.question_id}"


class RoomSanction(models.Model):
    """A mute (may watch, may not post) or ban (may not join) in one room."""

    class Kind(models.TextChoices):
        MUTE = "mute", _("Mute")
        BAN = "ban", _("Ban")

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="sanctions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    expires_at = models.DateTimeField(null=True, blank=True)  # null: until lifted
    lifted_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["session", "user", "kind"])]

    def __str__(self):
        return f"{self.kind} {self.user_id} in {self.session_id}"


class SessionReminder(models.Model):
    """A learner asked to be told when a session starts."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="reminders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="session_reminder_once"),
        ]

    def __str__(self):
        return f"{self.user_id} reminded of {self.session_id}"


class StreamKey(models.Model):
    """A creator's secret for publishing video over RTMP; only its hash is stored.

    The creator sees the key once, when it is made (rotating makes a new one). OBS
    publishes to `rtmp://<host>/live` with the stream key `<session id>?key=<key>`,
    so video paths name the session, never the key.
    """

    creator = models.OneToOneField(
        "marketplace.CreatorProfile", on_delete=models.CASCADE, related_name="stream_key"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"stream key of {self.creator_id}"


class Recording(models.Model):
    """One continuous publish of a session, as nginx recorded it (FLV). A session
    whose encoder reconnected has several; the replay joins them in order."""

    session = models.ForeignKey(LiveSession, on_delete=models.CASCADE, related_name="recordings")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    # Relative to VIDEO_ROOT ("rec/<file>.flv"): no host's absolute path is stored, so
    # the web process, the worker and nginx need not agree on a mount point.
    key = models.CharField(max_length=500, blank=True)
    # In the video storage's bucket as "rec/<file>.mp4" (verified), off the ingest
    # host's disk (livestream/recordings.py).
    in_bucket = models.BooleanField(default=False, editable=False)
    duration = models.FloatField(null=True, blank=True)  # seconds, read by ffprobe

    class Meta:
        ordering = ("session", "started_at", "id")

    def __str__(self):
        return f"recording of {self.session_id} from {self.started_at:%H:%M:%S}"


class TipLeaderboardOptOut(models.Model):
    """A tipper who stays anonymous: off every tip leaderboard, and "Anonymous" on
    stream overlays."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.user_id} stays off tip leaderboards"


class OverlayKey(models.Model):
    """The secret in a channel's stream-overlay URL (OBS browser source): whoever
    has the URL sees the overlay, so the creator can rotate it (the old URL stops
    working at once). The overlay shows display names only."""

    channel = models.OneToOneField(
        "marketplace.Channel", on_delete=models.CASCADE, related_name="overlay_key"
    )
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"overlay key of {self.channel_id}"
