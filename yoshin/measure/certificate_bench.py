"""`yoshin certificates bench`: how long issuing takes, end to end through the API.

Each request is what a clerk's click costs: authentication, reading the ledger, signing the
card, recording the issuance and the audit entry, and rendering the PDF with its QR. Runs in a
throw-away home (or an empty PostgreSQL database) with residents of long names, 4 doses each.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from statistics import median, quantiles

from fastapi.testclient import TestClient
from rich.console import Console
from rich.progress import Progress
from sqlalchemy import select

from accounts.users import hash_token, new_token
from ledger.certificates import health_cards
from ledger.records.service import Dose, record_dose
from models import ApiToken, Certificate, Clinic, Lot, Resident, Role, User
from models.db import session_scope
from models.migrate import upgrade
from yoshin.measure.harness import isolated_home

LONG_CLINIC = "医療法人社団松戸市民健康増進会附属常盤平駅前総合内科小児科クリニック"
DOSES = (("pfizer", "FF5357"), ("pfizer", "FH0151"), ("moderna", "3005236"),
         ("daiichi", "TD0013"))


@dataclass(frozen=True)
class CertificateBenchResult:
    count: int
    total_seconds: float
    median_seconds: float
    p95_seconds: float
    largest_qr_version: int
    pdf_bytes_median: int


def _city(count: int) -> tuple[list[int], str]:
    token = new_token()
    with session_scope() as session:
        session.add(Clinic(clinic_code="1234567", name=LONG_CLINIC, doctors=[]))
        for vaccine, lot in DOSES:
            session.add(Lot(lot_number=lot, vaccine=vaccine, manufacturer=""))
        clerk = User(username="bench-clerk", role=Role.REVIEWER)
        session.add(clerk)
        session.add(ApiToken(user=clerk, name="bench", token_hash=hash_token(token)))
        ids = []
        for n in range(count):
            resident = Resident(
                atena_number=f"9{n:09d}", name="勅使河原左衛門之介 龍之介太郎右衛門",
                name_kana="テシガワラサエモンノスケ リュウノスケタロウウエモン",
                birth_date=date(1950, 1, 1) + timedelta(days=n), sex="M",
                address="千葉県松戸市常盤平")
            session.add(resident)
            session.flush()
            for dose_number, (vaccine, lot) in enumerate(DOSES, start=1):
                record_dose(session, Dose(resident.id, vaccine, dose_number,
                                          date(2021, 5, 1) + timedelta(days=60 * dose_number),
                                          lot, "1234567"), source="scan", actor="bench",
                            user_id=None)
            ids.append(resident.id)
    return ids, token


def run(count: int, database_url: str | None, console: Console) -> CertificateBenchResult:
    from yoshin.app import create_app

    with tempfile.TemporaryDirectory(prefix="yoshin-cert-bench-") as home, \
            isolated_home(Path(home), database_url):
        upgrade()
        console.print(f"making {count} residents with 4 doses each")
        ids, token = _city(count)
        client = TestClient(create_app(), headers={"Authorization": f"Bearer {token}"})
        timings, sizes = [], []
        started = time.perf_counter()
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("issuing", total=count)
            for resident_id in ids:
                begin = time.perf_counter()
                answer = client.post(f"/api/residents/{resident_id}/certificates",
                                     json={"passport_number": "TK1234567",
                                           "nationality": "JAPAN"})
                timings.append(time.perf_counter() - begin)
                if answer.status_code != 201:
                    raise RuntimeError(f"issuing failed: {answer.status_code} {answer.text}")
                sizes.append(len(answer.content))
                progress.advance(task)
        total = time.perf_counter() - started
        with session_scope() as session:
            versions = [health_cards.qr_version(health_cards.qr_code(token))
                        for token in session.scalars(select(Certificate.jws))]
    return CertificateBenchResult(
        count=count, total_seconds=round(total, 2), median_seconds=round(median(timings), 3),
        p95_seconds=round(quantiles(timings, n=20)[-1] if count > 1 else timings[0], 3),
        largest_qr_version=max(versions), pdf_bytes_median=int(median(sizes)),
    )


def print_result(result: CertificateBenchResult, console: Console) -> None:
    console.print(f"{result.count} certificates (4 doses, long names) issued in "
                  f"{result.total_seconds} s: median {result.median_seconds} s, p95 "
                  f"{result.p95_seconds} s per certificate; largest QR version "
                  f"{result.largest_qr_version}; PDF {result.pdf_bytes_median // 1024} KB")
