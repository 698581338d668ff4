"""Suite-wide fixtures and the guard that keeps CI on the real services.

With REQUIRE_REAL_SERVICES=1 (set by scripts/test.sh and .ci/run) the run stops
before the first test if the database is not PostgreSQL or Redis does not answer:
CI fails rather than quietly testing something else.
"""

import importlib
import os

import pytest
from django.conf import settings
from django.core.cache import cache

from config.celery import app as celery_app
from tests.factories import (
    CategoryFactory,
    ChannelFactory,
    CreatorFactory,
    UserFactory,
)

# Servers started by tests (uvicorn, gunicorn, manage.py) serve plain HTTP on loopback.
os.environ.setdefault("PLAIN_HTTP", "1")


def _real_services_required() -> bool:
    return os.environ.get("REQUIRE_REAL_SERVICES") == "1" or os.environ.get("CI") == "true"


def pytest_configure(config):
    # The test client and the live server speak plain HTTP. Settings are read before
    # this file (pytest-django), so a bare `pytest` without PLAIN_HTTP=1 (which
    # scripts/test.sh sets) would get the secure defaults: switch them off before any
    # server starts; subprocess servers get PLAIN_HTTP=1 from the environment above.
    settings.PLAIN_HTTP = True
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0
    # Tasks run inline in tests; tests/test_celery.py also drives a real worker.
    celery_app.conf.task_always_eager = True


def pytest_sessionstart(session):
    if not _real_services_required():
        return
    engine = settings.DATABASES["default"]["ENGINE"]
    if engine != "django.db.backends.postgresql":
        pytest.exit(f"Tests must run on PostgreSQL here, not {engine}. Set DATABASE_URL.", 1)
    if not settings.REDIS_URL:
        pytest.exit("Tests must run with Redis here. Set REDIS_URL.", 1)
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        pytest.exit(f"Redis at {settings.REDIS_URL} does not answer: {exc}", 1)


def _close_async_connections() -> None:
    """Close the database connection of asgiref's shared executor thread.

    Async tests (the room consumers) reach the ORM through Channels'
    database_sync_to_async, which runs in asgiref's one thread-sensitive executor
    thread, not in the test's. With CONN_MAX_AGE that thread keeps its connection
    after the test, up to the end of the run, and dropping the test database failed
    ("being accessed by other users", once per worker). Only that thread can close
    its connection: hand it close_all. (Costs a thread start when no async test ran.)
    """
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=60)


@pytest.fixture(scope="session")
def django_db_setup(
    request, django_test_environment, django_db_blocker, django_db_keepdb, django_db_createdb,
    django_db_modify_db_settings,
):  # fmt: skip
    """pytest-django's set-up, with the test database cloned from a migrated template
    when one exists for these migrations (tests/db_template.py), and kept as that
    template when it had to be migrated."""
    from django.test.utils import setup_databases, teardown_databases

    from tests import db_template

    verbosity = request.config.option.verbose
    with django_db_blocker.unblock():
        cloned = reuse = False
        name = db_template.test_database_name() if db_template.usable() else ""
        if name and not django_db_createdb:
            reuse = django_db_keepdb and db_template.exists(name)
            cloned = not reuse and db_template.clone_into(name)
        db_cfg = setup_databases(
            verbosity=verbosity,
            interactive=False,
            keepdb=cloned or (django_db_keepdb and not django_db_createdb),
        )
        if name and not cloned and not reuse:  # only a database migrated from empty
            db_template.keep_as_template(name)
    yield
    _close_async_connections()
    if not django_db_keepdb:
        with django_db_blocker.unblock():
            try:
                teardown_databases(db_cfg, verbosity=verbosity)
            except Exception as exc:  # as pytest-django: a straggling connection warns
                request.node.warn(pytest.PytestWarning(f"Test database not dropped: {exc!r}"))


@pytest.fixture(autouse=True)
def _test_settings(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Pages render {% static %} without a collectstatic manifest.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    # The creator fixtures are not verified experts; outside tests/moderation their
    # content publishes at once (the moderation tests turn the review back on).
    settings.MODERATION_REVIEW_UNVERIFIED_CREATORS = False


DB_FIXTURES = {"db", "transactional_db", "live_server"}


@pytest.fixture(autouse=True)
def _reference_data(request):
    """Make sure the categories of the data migration exist in every database test.

    Transactional tests (live server, real ASGI servers, emails on commit) end with a
    flush that empties every table; post_migrate restores only sites and content
    types. Whatever ran before, a database test starts with the categories in place.
    """
    marker = request.node.get_closest_marker("django_db")
    names = set(request.fixturenames)
    if marker is None and not DB_FIXTURES & names:
        return
    transactional = bool(
        {"transactional_db", "live_server"} & names
        or (marker is not None and marker.kwargs.get("transaction"))
    )
    request.getfixturevalue("transactional_db" if transactional else "db")
    from django.apps import apps

    migration = importlib.import_module("marketplace.migrations.0002_categories")
    migration.create_categories(apps, None)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts and ends in the site's default language. A safety net: a
    request's language already ends with the request (core.middleware.
    RequestLanguageMiddleware), and tests switch with translation.override; an
    activate() left behind would otherwise change the strings of whatever test runs
    next in this worker."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _clear_cache():
    """Rate-limit counters live in the cache, blocked terms and the screening model in
    a per-process copy, system ledger account ids in a per-process cache; no test
    inherits another's (a rolled-back test's accounts are gone). A test starts with no
    screening model (rules alone, without a query to find out); tests/moderation/
    screening_fixture.py trains one where a test needs it."""
    from moderation.scoring import no_model_assumed
    from moderation.screening import terms_changed
    from payments.ledger import system_accounts_forget

    cache.clear()
    terms_changed()
    no_model_assumed()
    system_accounts_forget()
    yield
    cache.clear()
    terms_changed()
    no_model_assumed()


# --- personas: creator alice, subscriber bob, outsider charlie ---------------------------


@pytest.fixture
def technology(db):
    return CategoryFactory.get("technology")


@pytest.fixture
def alice(db):
    """A creator with a published channel."""
    return CreatorFactory(user__email="alice@example.com", display_name="Alice")


@pytest.fixture
def alice_channel(alice, technology):
    return ChannelFactory(creator=alice, title="Alice's Python Lab", slug="alice-python-lab")


@pytest.fixture
def bob(db):
    """A learner."""
    return UserFactory(email="bob@example.com", display_name="Bob")


@pytest.fixture
def charlie(db):
    """Another creator, who must never touch alice's things."""
    return CreatorFactory(user__email="charlie@example.com", display_name="Charlie")


@pytest.fixture
def media_in_tmp(settings, tmp_path):
    """Public uploads (pictures, content images) land in this test's own folder, as
    MEDIA_ROOT without a bucket; returns the folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path), "base_url": "/media/"},
        },
    }
    return tmp_path
