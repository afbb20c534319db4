"""Who may do what: the one permission table (role × action), checked on every endpoint."""

from __future__ import annotations

from enum import StrEnum

from models.users import Role


class Action(StrEnum):
    BATCH_UPLOAD = "batch.upload"
    BATCH_VIEW = "batch.view"
    PAGE_VIEW = "page.view"
    PAGE_RETRY = "page.retry"
    REVIEW = "review"
    SECOND_CHECK = "review.second_check"
    RESIDENT_VIEW = "resident.view"
    MY_NUMBER_SHOW = "resident.my_number.show"
    RECORD_CHANGE = "ledger.record.change"
    RECORD_MISTAKE = "ledger.record.mistake"
    """Record as given a dose the schedule engine calls 接種間違い, its reason kept."""
    REPORT_VIEW = "report.view"
    CLINIC_SUBMIT = "clinic.submit"
    TRANSFER_ANSWER = "transfer.answer"
    TRANSFER_REQUEST = "transfer.request"
    CERTIFICATE_ISSUE = "certificate.issue"
    CERTIFICATE_REVOKE = "certificate.revoke"
    FHIR_EXPORT = "resident.export.fhir"
    DISCLOSURE_EXPORT = "resident.export.disclosure"
    RESIDENT_IMPORT = "resident.import"
    ACCOUNT_ADMIN = "user.accounts.admin"
    """The accounts screen: disable, enable, change roles, revoke tokens (admins only)."""
    NOTICE_RUN = "notices.run"
    """Run a mailing of notices with personal forms (個別通知) and download its files: every
    due person's name and address, so supervisors and admins only."""


_STAFF = {Role.SUPERVISOR, Role.ADMIN}
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.BATCH_UPLOAD: frozenset({Role.SCANNER, *_STAFF}),
    Action.BATCH_VIEW: frozenset({Role.SCANNER, Role.REVIEWER, *_STAFF}),
    Action.PAGE_VIEW: frozenset({Role.SCANNER, Role.REVIEWER, *_STAFF}),
    Action.PAGE_RETRY: frozenset({Role.SCANNER, *_STAFF}),
    Action.REVIEW: frozenset({Role.REVIEWER, *_STAFF}),
    Action.SECOND_CHECK: frozenset(_STAFF),
    Action.RESIDENT_VIEW: frozenset({Role.REVIEWER, *_STAFF}),
    Action.MY_NUMBER_SHOW: frozenset(_STAFF),
    Action.RECORD_CHANGE: frozenset(_STAFF),
    Action.RECORD_MISTAKE: frozenset(_STAFF),
    Action.REPORT_VIEW: frozenset(_STAFF),
    Action.CLINIC_SUBMIT: frozenset({Role.CLINIC}),
    Action.TRANSFER_ANSWER: frozenset({Role.PEER}),
    Action.TRANSFER_REQUEST: frozenset(_STAFF),
    Action.CERTIFICATE_ISSUE: frozenset({Role.REVIEWER, *_STAFF}),
    Action.CERTIFICATE_REVOKE: frozenset(_STAFF),
    Action.FHIR_EXPORT: frozenset(_STAFF),
    Action.DISCLOSURE_EXPORT: frozenset(_STAFF),
    Action.RESIDENT_IMPORT: frozenset(_STAFF),
    Action.ACCOUNT_ADMIN: frozenset({Role.ADMIN}),
    Action.NOTICE_RUN: frozenset(_STAFF),
}


def allowed(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]
