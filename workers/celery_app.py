"""The Celery application. Redis when `YOSHIN_BROKER_URL` is set; otherwise kombu's
filesystem transport in folders under `YOSHIN_HOME`: still real Celery with a real worker
process, only without a server to install."""

from __future__ import annotations

from celery import Celery
from celery.schedules import crontab

from models.settings import Settings, get_settings
from models.storage import keep_files_private, private_dir


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
    app = Celery("yoshin", broker=settings.broker, include=["workers.tasks"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_default_queue="yoshin",
        beat_schedule={
            "reconcile": {"task": "yoshin.reconcile", "schedule": settings.reconcile_every_seconds},
            "purge-expired": {"task": "yoshin.purge_expired",
                              "schedule": crontab(hour=3, minute=0)},
            "audit-checkpoint": {"task": "yoshin.audit_checkpoint",
                                 "schedule": settings.audit_checkpoint_every_seconds},
        },
        timezone="Asia/Tokyo",
    )
    if settings.broker_url is None:
        app.conf.broker_transport_options = _embedded_transport(settings)
    else:
        app.conf.broker_transport_options = {"visibility_timeout": 3600}
    return app


celery_app = make_celery(get_settings())
