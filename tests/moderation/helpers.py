from marketplace import services as marketplace_services
from marketplace.models import PublicationStatus
from tests.factories import CategoryFactory


def course_publish(channel, title="Async Python in depth", **extra):
    """A published course created through the studio's service (so it is screened)."""
    return marketplace_services.course_create(
        channel=channel,
        title=title,
        category=CategoryFactory.get("technology"),
        currency="CNY",
        summary=extra.pop("summary", "Tasks, groups and cancellation."),
        status=PublicationStatus.PUBLISHED,
        **extra,
    )
