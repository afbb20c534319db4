"""The ledger items of the municipality's assessment (別添2, 予防接種情報) for one record, in
its order and words: what the record keeps (接種回数, 接種日, LotNo, 接種医, 接種量, 予診有無,
請求月, 接種判定, 実費徴収区分) and what follows from it and the register (接種コード, 接種日年齢,
年度末年齢, 混合接種何種, 肺炎球菌種類, 接種年度). The derived items are computed when asked, from
the register's birth date as it stands, so a corrected birth date never leaves a stale age.

The resident view, the disclosure export and the FHIR export all read them here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from ledger.clinics.repository import clinic_by_code
from ledger.kit.calendar import age_at_fiscal_year_end, fiscal_year, months_reached
from ledger.kit.vaccines import CATALOG
from models import Judgement, LedgerRecord, Resident

PNEUMOCOCCAL = ("pcv", "ppsv23")
"""The programmes whose record names its 肺炎球菌種類 (the product's valency and kind)."""
NOT_KEPT = "（記録なし）"
"""An item the ledger does not hold yet: 未接種理由 and 65歳未満未接種理由 belong to a dose
not given, which this ledger does not record."""


def age_text(months: int) -> str:
    years, rest = divmod(months, 12)
    return f"{years}歳{rest}か月" if years < 3 else f"{years}歳"


def ledger_items(session: Session, record: LedgerRecord, resident: Resident) -> dict[str, str]:
    known = CATALOG.get(record.vaccine)
    clinic = clinic_by_code(session, record.clinic_code) if record.clinic_code else None
    year = fiscal_year(record.vaccinated_on)
    judged = "有効" if record.judgement == Judgement.VALID else \
        f"接種間違い（{record.judgement_reason}）"
    return {
        "接種コード": f"{record.vaccine} (CVX {known.cvx})" if known else record.vaccine,
        "接種回数": f"{record.dose_number}年度" if known and known.seasonal
        else f"{record.dose_number}回目",
        "接種日": record.vaccinated_on.isoformat(),
        "接種日年齢": age_text(months_reached(resident.birth_date, record.vaccinated_on)),
        "年度末年齢": f"{age_at_fiscal_year_end(resident.birth_date, year)}歳",
        "接種判定": judged,
        "混合接種何種": f"{known.antigens}種" if known else "",
        "肺炎球菌種類": known.name_ja if known and known.disease in PNEUMOCOCCAL else "",
        "請求月": record.claim_month,
        "医療機関": f"{record.clinic_code} {clinic.name}" if clinic else record.clinic_code,
        "接種医": record.doctor_name,
        "LotNo": record.lot_number,
        "接種量": f"{record.dose_ml}mL" if record.dose_ml else "",
        "予診有無": "有" if record.screened else "無",
        "未接種理由": NOT_KEPT,
        "接種年度": f"{year}年度",
        "実費徴収区分": record.fee,
        "65歳未満未接種理由": NOT_KEPT,
    }
