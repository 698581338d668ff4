import importlib

import pytest


@pytest.fixture(autouse=True)
def _default_rules(db):
    """The starting rules of the data migration (a transactional test's flush may
    have emptied the table)."""
    from django.apps import apps

    migration = importlib.import_module("rewards.migrations.0002_default_points_rules")
    migration.create_rules(apps, None)
