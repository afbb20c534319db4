"""A resident's schedule as lines a person reads: each dose with 有効 or the reason it is not a
routine dose and the rule that says so, then what is due with its days. The words are the
ones the review screen and the due list use."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from ledger.kit.vaccines import CATALOG
from ledger.schedule.engine import Due, Verdict
from ledger.schedule.rules import schedule
from ledger.schedule.service import Explanation

SOON = timedelta(days=366)
"""What is due further off than this is left out (a child's B類 vaccines at 65)."""


def _series_name(series_id: str) -> str:
    found = next((series for series in schedule().series if series.id == series_id), None)
    return found.name_ja if found else series_id


def _dose_line(verdict: Verdict) -> Iterator[str]:
    dose = verdict.dose
    label = CATALOG[dose.product].label_ja if dose.product in CATALOG else dose.product
    which = " ".join(part for part in (verdict.phase, verdict.part) if part)
    counted = f"{verdict.counted_as}回目" if verdict.counted_as is not None else "—"
    state = "有効" if verdict.valid else "定期接種として無効"
    yield "  " + "  ".join(part for part in (dose.given_on.isoformat(), label,
                                              f"{which} {counted}".strip(), state))
    for reason in verdict.reasons:
        yield f"      理由: {reason.text}"
        if reason.source:
            yield f"      根拠: {reason.source}"


def _due_line(next_dose: Due) -> Iterator[str]:
    which = " ".join(part for part in (next_dose.phase, next_dose.part) if part)
    last = next_dose.last.isoformat() if next_dose.last else "期限なし"
    until = next_dose.recommended_until.isoformat() if next_dose.recommended_until else ""
    yield (f"  {' '.join(p for p in (_series_name(next_dose.series), which) if p)} "
           f"{next_dose.dose}回目: "
           f"{next_dose.earliest.isoformat()} から {last} まで"
           f"（標準 {next_dose.recommended_from.isoformat()}〜{until}）")
    yield f"      根拠: {next_dose.source}"


def lines(explanation: Explanation) -> Iterator[str]:
    resident = explanation.resident
    yield (f"宛名番号 {resident.atena_number}  生年月日 {resident.birth_date.isoformat()}  "
           f"性別 {resident.sex or '—'}  （{explanation.on.isoformat()} 現在）")
    yield "接種歴:"
    if not explanation.verdicts:
        yield "  （台帳に記録なし）"
    for verdict in explanation.verdicts:
        yield from _dose_line(verdict)
    yield "次の接種:"
    soon = [d for d in explanation.due if d.earliest <= explanation.on + SOON]
    if not soon:
        yield "  （1年以内に受けられる定期接種はありません）"
    for next_dose in sorted(soon, key=lambda d: d.earliest):
        yield from _due_line(next_dose)
