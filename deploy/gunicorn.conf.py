"""gunicorn for the site's plain HTTP (WSGI); WebSockets go to uvicorn (see Procfile).

Sync workers with persistent database connections (CONN_MAX_AGE, the default when
DB_POOL is off) measured fastest here: see tests/benchmarks/bench_http.py. Run
behind nginx (deploy/nginx-site.conf), which buffers slow clients for the sync workers.
    gunicorn -c deploy/gunicorn.conf.py
"""

import os

wsgi_app = "config.wsgi:application"
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# 2 x cores + 1: a sync worker is idle while it waits on PostgreSQL or Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 20
# nginx logs requests; set GUNICORN_ACCESS_LOG=- to log them here too.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Trust X-Forwarded-* only from the local nginx.
forwarded_allow_ips = "127.0.0.1,::1"


def post_worker_init(worker):
    """Each worker builds its search indexes in the background as it starts, so the
    first visitor of /ask/ does not wait for them (about 1.5 s idle, much longer
    on a loaded machine)."""
    # Django is set up only inside the worker, after this file is read.
    from qa.matching import warm_up

    warm_up()
