from tests.qa.conftest import _fresh_indexes, asker, expert  # noqa: F401 - paid-question fixtures
