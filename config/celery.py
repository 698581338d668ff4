import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("zhiliao")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
def _warm_up(**_kwargs: object) -> None:
    """Load jieba's dictionary once, before the pool forks (children share it): the
    refresh job, question matching and similar questions all segment Chinese text."""
    # Here, not at the top: every Django process imports this module (config/__init__),
    # and only workers need core.text's numpy and scikit-learn.
    from core.text import warm_up

    warm_up()
