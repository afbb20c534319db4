"""The contracted clinics (委託医療機関) with their doctors, as the city lists them: the place
and the doctors' names on a form are one of these (not real clinics or people)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clinic:
    """One row of clinics.csv; `doctors` are separated by 、."""

    clinic_code: str
    name: str
    doctors: str


DOCTORS = ("田村 誠", "大野 恵美", "石井 健一", "川口 直子", "松田 浩", "野村 由紀")
CLINICS = (
    ("松戸市立総合医療センター", "1212345678"), ("小金原クリニック", "1210987654"),
    ("新松戸中央病院", "1214400217"), ("常盤平内科医院", "1213300425"),
    ("五香駅前クリニック", "1215501133"), ("松戸市民会館", "1219900011"),
)
CLINIC_ROWS = tuple(Clinic(code, name, "、".join(DOCTORS)) for name, code in CLINICS)
"""Every doctor of the roster works the city's vaccination sites in turn."""
