"""The one settings object. Every knob of Yoshin is read here from `YOSHIN_*` variables.

With nothing set, Yoshin runs on the embedded default: a SQLite file and a Celery broker kept
in folders under `YOSHIN_HOME`, so a new user needs no server. Setting `YOSHIN_DATABASE_URL`
and `YOSHIN_BROKER_URL` moves the same code onto PostgreSQL and Redis.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

FORMS_DIR = Path(__file__).resolve().parent.parent / "samples" / "forms"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YOSHIN_", extra="ignore")

    home: Path = Path("./var")
    database_url: str | None = None
    db_pool_size: int = 10
    db_max_overflow: int = 10
    """Connections per process (pool plus overflow): keep processes × 20 below PostgreSQL's
    max_connections (100 by default), counting each server process and worker child."""
    broker_url: str | None = None
    secret_key_file: Path | None = Field(
        default=None, description="32-byte key file for sessions and My Number; made if missing"
    )
    my_number_key_file: Path | None = Field(
        default=None, description="32-byte key that encrypts My Numbers; derived when unset")
    my_number_old_key_files: list[Path] = Field(
        default_factory=list, description="earlier My Number keys, until `my-number rekey`")
    forms_dir: Path = FORMS_DIR
    timezone: str = "Asia/Tokyo"
    """The city's time zone (IANA name): its day is what "today" means (a future date, a
    letter's date, the schedule's), and the nightly jobs run on its clock."""

    # Logging in
    login_max_failures: int = 5
    """Wrong passwords for one account within the window before it is refused for a while."""
    login_window_seconds: int = 900
    session_idle_minutes: int = 30
    """A screen session unused this long has ended; the person logs in again."""
    session_max_hours: int = 12
    """A screen session ends this long after its login, however busy."""
    trusted_proxies: list[str] = Field(default_factory=list)
    passkey_roles: list[str] = Field(default_factory=lambda: ["supervisor", "admin"])
    """Roles whose screen login needs a passkey (WebAuthn, with user verification) after the
    password; API tokens are not affected."""
    webauthn_rp_id: str = "localhost"
    """The passkeys' relying party id: the host name the screens are served under."""
    webauthn_origin: str = "http://localhost:8000"
    """The screens' exact origin (scheme, host, port) that passkey ceremonies must come from."""
    """Addresses or networks (CIDR) of the reverse proxies in front of the service, whose
    `X-Forwarded-For`/`-Proto` name the real client. Empty: no forwarded header is believed,
    and the audit log and the login brake see the proxy's address. Behind the compose layout
    the TLS proxy on the host reaches the API from the compose network's gateway, e.g.
    `YOSHIN_TRUSTED_PROXIES='["172.18.0.1"]'`; name nothing any other client could use."""
    secure_cookies: bool = False
    """Send the session cookie only over HTTPS; set it wherever the service is behind TLS."""
    api_docs: bool = False
    """Serve the interactive API documentation at /docs and /redoc. Off by default: those
    pages load their scripts from a public CDN (jsDelivr), which the screens never do.
    /openapi.json, the machine-readable description, is always served."""

    # Reading and review
    review_confidence: float = 0.90
    auto_commit_ready: bool = True
    review_lease_seconds: int = 900
    municipality_code: str = "122076"
    """This city's 自治体コード (6 digits with check digit; 122076 is Matsudo)."""
    transfer_timeout_seconds: float = 10.0
    peer_allow_loopback_http: bool = False
    """Let transfer queries go over plain http to a loopback peer (tests, a demonstration);
    anything else is asked over https only."""
    second_check: bool = True
    """A page whose identifying values a reviewer changed needs a supervisor's approval."""

    # Certificates (SMART Health Cards)
    issuer_url: str = "https://localhost:8000"
    """The `iss` of every card: the public address that serves /.well-known/jwks.json."""
    issuer_name_ja: str = "松戸市長"
    issuer_name_en: str = "Mayor of Matsudo City"
    trusted_issuers_file: Path | None = Field(
        default=None, description='JSON {"issuer URL": {"keys": [...]}} of other issuers'
    )

    # Retention and housekeeping (run by `yoshin worker --beat`)
    retention_image_days: int = 365
    """Scanned images (and uploaded files) of decided pages are deleted after this long; the
    values read from them and the ledger records stay."""
    retention_transfer_days: int = 30
    """Bulk transfer query results are deleted this long after they were answered."""
    retention_notice_days: int = Field(default=90, ge=1)
    """A notice run's print-ready PDF and mailing CSV (everyone's name and address) are
    deleted this long after they were drawn: long enough for the print shop and a reprint
    of the whole run; the run and its serials stay."""
    retention_ledger_years: int = Field(default=5, ge=1)
    """A resident's ledger (records and their versions, tickets, the forms read for them) is
    removed this many years after their death or moving out (the 予防接種台帳's period, which
    the state decided in 2025 to extend to five years after death)."""
    reconcile_after_seconds: int = 600
    """A page queued or being read this long without progress is sent to the queue again."""
    reconcile_every_seconds: float = 60.0
    audit_checkpoint_file: Path | None = None
    """Append-only file of signed checkpoints of the audit chain's head (made 0600; default
    `audit-checkpoints.jsonl` in the home folder). Put it where whoever can change the
    database cannot: another disk or mount, a file marked `chattr +a`."""
    audit_checkpoint_every_seconds: float = 3600.0
    """How often beat appends a checkpoint; entries newer than the last one can be cut
    unnoticed, so this bounds what a truncation can hide."""

    # Worker behaviour
    worker_concurrency: int = 2
    worker_nice: int = 10
    """Niceness of `yoshin worker` (0-19): reading pages is batch work, and on the server's own
    cores it should give way to requests a person or another municipality is waiting for."""
    task_max_attempts: int = 3
    task_retry_delay: float = 10.0

    # Where uploads and page images are kept
    blob_store: Literal["files", "database"] = "files"
    """`files`: a folder under the home (the embedded default; every process must share
    it). `database`: in the PostgreSQL database itself, so API and workers on several
    machines, whose homes share nothing, reach the same files."""
    blob_cache_seconds: int = Field(default=3600, ge=600)
    """With `blob_store=database`, a machine keeps a local copy of an uploaded file while it
    is split or downloaded, and forgets a copy unused this long: at least ten minutes, as
    a download is handed to the web server by its path and read from it afterwards."""

    # Upload limits: what a scanner may send in one file
    max_upload_bytes: int = 200 * 1024 * 1024
    max_pages_per_file: int = 500
    max_image_pixels: int = 120_000_000
    min_image_side: int = 600
    pdf_dpi: int = 300

    @model_validator(mode="after")
    def _blobs_need_a_server(self) -> Settings:
        """Files in the database are for several machines sharing one PostgreSQL; on the
        embedded SQLite file they would only wait on its single writer lock."""
        if self.blob_store == "database" and not self.db_url.startswith("postgresql"):
            raise ValueError("YOSHIN_BLOB_STORE=database needs YOSHIN_DATABASE_URL to name a "
                             "PostgreSQL database; the embedded default keeps files in the home")
        return self

    @property
    def resolved_home(self) -> Path:
        return self.home.expanduser().resolve()

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.resolved_home / 'yoshin.db'}"

    @property
    def broker(self) -> str:
        return self.broker_url or "filesystem://"

    @property
    def embedded_queue_dir(self) -> Path:
        return self.resolved_home / "queue"

    @property
    def store_dir(self) -> Path:
        return self.resolved_home / "store"

    @property
    def key_file(self) -> Path:
        return self.secret_key_file or self.resolved_home / "secret.key"


@lru_cache
def get_settings() -> Settings:
    return Settings()
