"""What moderation tells the apps above it (see core.events). Sent after commit;
moderation never knows who listens."""

from dataclasses import dataclass

from core.events import Event


@dataclass(frozen=True)
class SanctionImposed(Event):
    """A moderator muted or banned a user. Live rooms end a banned user's sockets."""

    sanction_id: int
    user_id: int
    kind: str  # moderation.models.Sanction.Kind: "mute" or "ban"
    channel_id: int | None  # None: site-wide


@dataclass(frozen=True)
class ExpertVerificationDecided(Event):
    """A moderator decided an application to be a verified expert. The owner of
    creator profiles (marketplace) sets its badge when `approved`."""

    verification_id: int
    user_id: int
    approved: bool
