import importlib

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_rules(db):
    """The starting rules of the data migration (a transactional test's flush may
    have emptied the table)."""
    from django.apps import apps

    migration = importlib.import_module("rewards.migrations.0002_default_points_rules")
    migration.create_rules(apps, None)


@pytest.fixture(autouse=True)
def _english():
    """Messages are matched in English: a page test elsewhere that switched the
    language (LocaleMiddleware activates it for the thread) must not leak in."""
    with translation.override("en"):
        yield
