"""Settings for the serving benchmark: production settings plus the bare reference view.

Everything comes from config.settings (so the same environment variables apply);
only the URLconf changes, to add `bench/bare/<pk>/`, which must never exist in the
production URLconf.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "tests.benchmarks.bench_urls"
