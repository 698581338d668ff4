from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a fresh site (`manage.py seed_demo`). It sits at the top, beside
    config: it writes through every app's services, and no app imports it."""

    name = "demo"
    verbose_name = "Demo data"
