"""A real Celery worker on the configured broker (Redis in CI) runs our tasks."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

from django.conf import settings

from config.celery import app

ROOT = Path(__file__).resolve().parent.parent


def test_worker_sends_queued_email(tmp_path):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    outbox = tmp_path / "mail"
    env = {
        **os.environ,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(outbox),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "-Q", queue,
         "--pool", "solo", "--without-heartbeat", "--without-gossip", "--without-mingle",
         "--loglevel", "WARNING"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        app.send_task(
            "accounts.tasks.send_email_task",
            args=[
                {
                    "subject": "Queued",
                    "body": "Sent by a real worker",
                    "from_email": settings.DEFAULT_FROM_EMAIL,
                    "to": ["bob@example.com"],
                }
            ],
            queue=queue,
        )
        deadline = time.monotonic() + 60
        while not (outbox.exists() and any(outbox.iterdir())):
            assert worker.poll() is None, worker.stdout.read()
            assert time.monotonic() < deadline, "the worker did not send the email in 60 s"
            time.sleep(0.2)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    sent = next(outbox.iterdir()).read_text()
    assert "Subject: Queued" in sent
    assert "Sent by a real worker" in sent
