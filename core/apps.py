from django.apps import AppConfig


class CoreConfig(AppConfig):
    """What several apps share: money formatting, slugs, upload headers, the API's
    error shape, domain events and the screening hook. It imports no project app."""

    name = "core"
    verbose_name = "Core"
