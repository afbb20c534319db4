"""The Celery application. Redis when `YOSHIN_BROKER_URL` is set; otherwise kombu's
filesystem transport in folders under `YOSHIN_HOME` (made to write each message whole,
`workers.embedded_queue`): still real Celery with a real worker process, only without a
server to install."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from celery import Celery
from celery.schedules import crontab

from models.settings import Settings, get_settings
from models.storage import keep_files_private, private_dir
from workers.embedded_queue import Transport as EmbeddedTransport

READING_QUEUE = "yoshin"
TRANSFER_QUEUE = "transfers"
"""Another municipality's bulk query goes to a queue of its own, so that it never waits
behind a backlog of pages; `yoshin worker --queues transfers` serves it alone."""
QUEUES = (READING_QUEUE, TRANSFER_QUEUE)


def _embedded_transport(settings: Settings) -> dict[str, object]:
    messages = settings.embedded_queue_dir / "messages"
    processed = settings.embedded_queue_dir / "processed"
    control = settings.embedded_queue_dir / "control"
    for folder in (messages, processed, control):
        private_dir(folder)
    return {
        "data_folder_in": str(messages),
        "data_folder_out": str(messages),
        "processed_folder": str(processed),
        "control_folder": str(control),
        "store_processed": False,
        "polling_interval": 0.2,
    }


def make_celery(settings: Settings) -> Celery:
    keep_files_private()  # queue messages, the beat schedule and anything a task writes
    app = Celery("yoshin", broker=settings.broker, include=["workers.tasks", "intake.split_tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue=READING_QUEUE,
        task_routes={"yoshin.answer_bulk": {"queue": TRANSFER_QUEUE}},
        beat_schedule={
            "reconcile": {"task": "yoshin.reconcile", "schedule": settings.reconcile_every_seconds},
            "purge-expired": {"task": "yoshin.purge_expired",
                              "schedule": crontab(hour=3, minute=0)},
            "audit-checkpoint": {"task": "yoshin.audit_checkpoint",
                                 "schedule": settings.audit_checkpoint_every_seconds},
        },
        timezone=settings.timezone,
    )
    if settings.broker_url is None:
        app.conf.broker_transport = EmbeddedTransport
        app.conf.broker_transport_options = _embedded_transport(settings)
    else:
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
    return app


_settings = get_settings()
celery_app = make_celery(_settings)
_BUILT_FOR = (_settings.broker, _settings.embedded_queue_dir)


def sending_app() -> Celery:
    """The app to send through: the one for the broker the settings name now, not when this
    module was imported. `yoshin bench` points the settings at a throw-away home after the
    web modules are loaded; a message sent through the app built earlier would go to a queue
    its worker never reads."""
    settings = get_settings()
    return _app_for(settings.broker, settings.embedded_queue_dir)


@lru_cache(maxsize=4)
def _app_for(broker: str, queue_dir: Path) -> Celery:
    if (broker, queue_dir) == _BUILT_FOR:
        return celery_app
    return make_celery(get_settings())
