"""ORM tables, engine and sessions, migrations and settings: the floor every room stands on."""

from models.audit import AuditEvent
from models.base import Base
from models.blob_parts import BlobPart
from models.certificates import Certificate, SigningKey
from models.documents import Batch, Document, FieldSource, FieldValue, Page
from models.master import MasterEntry
from models.notices import NoticeRun, NoticeRunState, NoticeSerial
from models.page_state import PageState
from models.records import Judgement, LedgerRecord, RecordAction, RecordSource, RecordVersion
from models.residents import Clinic, Lot, Resident, Ticket
from models.transfers import BulkQuery, Peer, Provision
from models.users import ApiToken, LoginSession, Passkey, Role, User

__all__ = [
    "ApiToken", "AuditEvent", "Base", "Batch", "BlobPart", "BulkQuery", "Certificate", "Clinic",
    "Document", "FieldSource", "FieldValue", "Judgement", "LedgerRecord", "LoginSession", "Lot",
    "MasterEntry", "NoticeRun", "NoticeRunState", "NoticeSerial", "Page", "PageState", "Passkey",
    "Peer", "Provision", "RecordAction", "RecordSource", "RecordVersion", "Resident", "Role",
    "SigningKey", "Ticket", "User",
]
