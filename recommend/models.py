"""Behaviour events, stored recommendation lists, per-variant counters, opt-outs.

Items are channels, courses and live sessions, named by an item key
("course:12"); a session with a replay is the replay (one item).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemKind(models.TextChoices):
    CHANNEL = "channel", _("Channel")
    COURSE = "course", _("Course")
    SESSION = "session", _("Live session")


class Event(models.Model):
    """One thing a (personalisation-enabled) user did with an item.

    Watch events are folded into one row per user, item and day (value = seconds),
    so an hour of watching is one row, not 120.
    """

    class Kind(models.TextChoices):
        VIEW = "view", _("Page view")
        WATCH = "watch", _("Watch time (seconds)")
        LIKE = "like", _("Like")
        COMMENT = "comment", _("Comment")
        PURCHASE = "purchase", _("Purchase")
        SUBSCRIBE = "subscribe", _("Subscription")
        FOLLOW = "follow", _("Follow")
        QUESTION = "question", _("Question")
        TIP = "tip", _("Tip")
        IMPRESSION = "impression", _("Recommendation shown")
        CLICK = "click", _("Recommendation clicked")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommend_events"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    item_kind = models.CharField(max_length=10, choices=ItemKind.choices, blank=True)
    item_id = models.PositiveBigIntegerField(null=True, blank=True)
    value = models.FloatField(default=1.0)
    variant = models.CharField(max_length=40, blank=True)
    # A page view's coarse origin (core.visit): for creators' noisy breakdowns only.
    # No IP address, host name or browser is stored.
    city = models.CharField(max_length=80, blank=True)
    device = models.CharField(max_length=10, blank=True)
    referrer = models.CharField(max_length=10, blank=True)
    created_at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [
            models.Index(fields=["user", "id"]),
            models.Index(fields=["user", "kind", "item_kind", "item_id", "created_at"]),
        ]
        verbose_name = _("behaviour event")
        verbose_name_plural = _("behaviour events")

    def __str__(self):
        return f"{self.user_id} {self.kind} {self.item_kind}:{self.item_id}"

    @property
    def item_key(self) -> str:
        return f"{self.item_kind}:{self.item_id}" if self.item_kind else ""


class RecommendationList(models.Model):
    """The stored "for you" list of one user, as the last refresh left it.

    `last_event_id` is the watermark: the newest event the list has seen. A user
    with a newer event is refreshed by the next run.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recommendation_list"
    )
    variant = models.CharField(max_length=40)
    algorithm = models.CharField(max_length=40)
    items = models.JSONField(default=list)  # item keys, best first
    last_event_id = models.BigIntegerField(default=0)
    model_version = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("recommendation list")
        verbose_name_plural = _("recommendation lists")

    def __str__(self):
        return f"{self.user_id} ({self.variant})"


class VariantDailyStat(models.Model):
    """Impressions and clicks per variant and day: anonymous counts, kept for everyone
    (opted-out users too), which the staff chart reads."""

    day = models.DateField()
    variant = models.CharField(max_length=40)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    # purchases by users in the variant (their stored list's): the bandit's guardrail
    purchases = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "variant"], name="recommend_stat_day_variant")
        ]
        ordering = ("day", "variant")
        verbose_name = _("variant daily statistic")
        verbose_name_plural = _("variant daily statistics")

    def __str__(self):
        return f"{self.day} {self.variant}"


class VariantShareChange(models.Model):
    """One change of the ranking variants' traffic shares by the bandit
    (recommend.traffic): the shares from then on, the variants its guardrail stopped,
    and the counts it decided on. The newest row is the split in force."""

    created_at = models.DateTimeField(db_index=True)
    shares = models.JSONField(default=dict)  # variant -> share (0..1, summing to 1)
    stopped = models.JSONField(default=list)  # variants stopped by the purchase guardrail
    stats = models.JSONField(default=dict)  # variant -> [impressions, clicks, purchases]
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = _("variant share change")
        verbose_name_plural = _("variant share changes")

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.shares}"


class VariantDailyRelease(models.Model):
    """The staff chart's figures of one complete day and variant: the raw counters
    (VariantDailyStat) plus Laplace noise, drawn once and kept (recommend.staff_stats),
    so the chart never shows the exact counts nor averages fresh noise away."""

    day = models.DateField()
    variant = models.CharField(max_length=40)
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)
    epsilon = models.FloatField()  # what the day's release of both counters cost
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "variant"], name="recommend_release_day_variant")
        ]
        ordering = ("day", "variant")
        verbose_name = _("variant daily release")
        verbose_name_plural = _("variant daily releases")

    def __str__(self):
        return f"{self.day} {self.variant} (ε={self.epsilon})"


class AudienceRelease(models.Model):
    """One differentially private breakdown shown to a creator, kept for the day.

    The privacy budget (PRIVACY_EPSILON_PER_CREATOR_DAY) is the sum of `epsilon` over a
    creator's rows of one day; showing the page again shows the stored figures, so
    no new noise is drawn and no budget spent (recommend.audience)."""

    creator = models.ForeignKey(
        "marketplace.CreatorProfile", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    query = models.CharField(max_length=40)
    epsilon = models.FloatField()
    values = models.JSONField(default=dict)  # label -> noisy count, or None (suppressed)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["creator", "day", "query"], name="audience_release_once_a_day"
            )
        ]
        verbose_name = _("audience release")
        verbose_name_plural = _("audience releases")

    def __str__(self):
        return f"{self.creator_id} {self.day} {self.query} (ε={self.epsilon})"


class TopicChoice(models.Model):
    """What a learner told us about a topic or an item: follow a category, or "not
    interested" in a category or one item ("category:3", "course:12"). Explicit choices
    win over what behaviour suggests."""

    class Choice(models.TextChoices):
        FOLLOW = "follow", _("Following")
        NOT_INTERESTED = "not_interested", _("Not interested")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="topic_choices"
    )
    topic = models.CharField(max_length=40)
    choice = models.CharField(max_length=20, choices=Choice.choices)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "topic"], name="recommend_topic_choice_once")
        ]
        verbose_name = _("topic choice")
        verbose_name_plural = _("topic choices")

    def __str__(self):
        return f"{self.user_id} {self.choice} {self.topic}"


class InterestStrength(models.Model):
    """The interest model's strength (0-1) of one learner's interest in one category,
    as the last refresh computed it from their behaviour."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interest_strengths"
    )
    category = models.ForeignKey("marketplace.Category", on_delete=models.CASCADE, related_name="+")
    strength = models.FloatField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "category"], name="recommend_interest_once")
        ]
        verbose_name = _("interest strength")
        verbose_name_plural = _("interest strengths")

    def __str__(self):
        return f"{self.user_id} {self.category_id} {self.strength:.2f}"


class SessionStatsDay(models.Model):
    """A live session's audience figures for one day, live or as a replay, as the
    aggregation job (recommend.analytics.session_stats_aggregate) computed them from
    what the site records: room presence per minute, the room's messages, tips,
    tickets, and the behaviour events of people who consented to analytics (page
    views, watch time). Creator pages read only these rows."""

    class Phase(models.TextChoices):
        LIVE = "live", _("Live")
        REPLAY = "replay", _("Replay")

    session = models.ForeignKey(
        "livestream.LiveSession", on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()
    phase = models.CharField(max_length=10, choices=Phase.choices)
    unique_viewers = models.PositiveIntegerField(default=0)
    peak_concurrent = models.PositiveIntegerField(default=0)
    viewer_minutes = models.PositiveIntegerField(default=0)
    watch_seconds = models.PositiveBigIntegerField(default=0)
    chat_messages = models.PositiveIntegerField(default=0)
    questions = models.PositiveIntegerField(default=0)
    tips = models.PositiveIntegerField(default=0)
    tip_amounts = models.JSONField(default=dict)  # currency -> minor units
    tickets_sold = models.PositiveIntegerField(default=0)
    page_viewers = models.PositiveIntegerField(default=0)
    # Viewers at each minute of the broadcast (index = minutes since it started).
    retention = models.JSONField(default=list)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "day", "phase"], name="session_stats_once_a_day"
            )
        ]
        ordering = ("session", "day", "phase")
        verbose_name = _("session statistics of a day")
        verbose_name_plural = _("session statistics by day")

    def __str__(self):
        return f"{self.session_id} {self.day} {self.phase}"


class ChannelStatsDay(models.Model):
    """A channel's figures for one day (UTC), folded by the hourly job
    (recommend.channel_analytics.channel_stats_aggregate) from the session aggregates
    (SessionStatsDay), behaviour events, follows, subscriptions and sales. The
    studio's channel page reads only these rows. Rows of past days keep the follower
    total as it was then."""

    channel = models.ForeignKey("marketplace.Channel", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    # People who consented to behaviour analytics and viewed the channel, one of its
    # courses or sessions that day.
    viewers = models.PositiveIntegerField(default=0)
    # Live viewer-minutes (room presence, everyone) plus replay watch minutes.
    watch_minutes = models.PositiveIntegerField(default=0)
    followers_new = models.PositiveIntegerField(default=0)
    followers_total = models.PositiveIntegerField(default=0)
    subscribers_new = models.PositiveIntegerField(default=0)
    subscribers_churned = models.PositiveIntegerField(default=0)
    # source ("tickets", "courses", "subscriptions", "tips") -> currency -> minor units
    revenue = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["channel", "day"], name="channel_stats_once_a_day")
        ]
        ordering = ("channel", "day")
        verbose_name = _("channel statistics of a day")
        verbose_name_plural = _("channel statistics by day")

    def __str__(self) -> str:
        return f"{self.channel_id} {self.day}"
