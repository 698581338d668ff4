from django import forms
from django.apps import AppConfig

from core.validators import ProhibitControlCharactersValidator


class CoreConfig(AppConfig):
    """What several apps share: money formatting, slugs, upload headers, the API's
    error shape, domain events and the screening hook. It imports no project app."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        # Every text field of every form (the project's, allauth's, the admin's)
        # refuses control characters; newline and tab pass (Textareas need them;
        # a one-line input cannot send them from a browser). Fields with their own
        # default validators (e-mail, slug, URL) refuse them already.
        forms.CharField.default_validators = [ProhibitControlCharactersValidator()]
        # Deleting a channel, course, session or user deletes its pictures' files.
        # Imported here: core.pictures imports models, not loaded before ready().
        from core.pictures import pictures_follow_deletes

        pictures_follow_deletes()
