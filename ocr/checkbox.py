"""Reads mark fields from what is written on their options (ocr.optionmarks): choices and
tick boxes (check), and presence fields such as a signature, where only whether anything is
written matters.

The confidence says what a person would say: sure of an answer only when exactly one option
holds a live mark and nothing else in the field's area needs explaining, sure of a blank
only when the whole area is clean, without even the specks of a mark too faint to hold
together. Two live marks, a withdrawn mark with nothing beside it, or ink that is no mark
(a stray stroke, a stamp) leave the reading below the review threshold.
"""

from __future__ import annotations

import numpy as np

from ocr.fieldmap import FieldSpec, FormSpec
from ocr.optionmarks import FAINT_MM2, FieldEvidence, OptionEvidence, field_evidence

MARK_BOX_SHARE = 0.06
"""Share of a box's interior covered by writing from which it is marked: a tick in pen covers
0.2-0.6, one in thin pencil 0.12-0.2, a dot where the pen rested under 0.03."""
MARK_LABEL_SHARE = 0.05
"""Writing over the label, in box interiors, from which it is marked (a tick over the label:
0.15-0.3 once the label's print is taken away)."""
MARK_AROUND = 0.5
"""Share of directions around label or box from which writing encircles it: a closed circle
1.0, a circle left open by a quarter 0.75, a tick beside it under 0.3."""
AROUND_SPAN = 0.25
"""Encircling this much beyond MARK_AROUND is a sure circle (one left open by a quarter)."""
SURE = 0.99
"""Confidence of a reading with nothing to doubt."""
STRUCK_SURE = 0.85
"""Confidence of the live mark beside a withdrawn one: below the review threshold (0.9), so a
person sees every correction. Telling a strike from a heavy mark is the reading's weakest
step, and on reserved clean pages a stamp over an answer taken for a strike made four
confidently wrong answers at 0.93."""
DOUBT = 0.5
"""Confidence of a reading a person must look at (unexplained ink, a withdrawal only)."""
TWO_MARKS = 0.2
UNEXPLAINED_MM2 = 0.6
"""Unexplained writing below this (a dot, a speck beside a mark) lowers the confidence only
in proportion; above it the field goes to a person."""
PARTLY_AROUND = 0.5
"""Share of directions around an option from which writing given to other fields makes a
blank unsure: a neighbour's circle reaching over surrounds an option from one side (under
0.4), this field's own circle broken into arcs joined to its neighbours' from several (on
generated photo and poor pages such a circle read as a sure blank)."""
WRITTEN = 0.01
"""Share of a presence box covered by writing from which it holds a signature: a signature
covers 3-15 % of its box, a stray dot well under 0.5 %."""


def _strength(value: float, threshold: float) -> float:
    """How clearly `value` passes `threshold`: 0.5 at it, 1.0 at twice it."""
    return 0.5 + 0.5 * min(1.0, max(0.0, (value - threshold) / threshold))


def _mark_certainty(option: OptionEvidence) -> float:
    """How clearly the option's writing is a mark (0.5 at the edge of being one)."""
    if not option.written_px:
        return 0.0
    found = [0.0]
    if option.box_share >= MARK_BOX_SHARE:
        found.append(_strength(option.box_share, MARK_BOX_SHARE))
    if option.label_share >= MARK_LABEL_SHARE:
        found.append(_strength(option.label_share, MARK_LABEL_SHARE))
    if option.around >= MARK_AROUND:
        found.append(0.5 + 0.5 * min(1.0, (option.around - MARK_AROUND) / AROUND_SPAN))
    return max(found)


def _is_live(option: OptionEvidence) -> bool:
    return not option.struck and _mark_certainty(option) > 0.0


def _clean(evidence: FieldEvidence, own_px: int = 0) -> float:
    """1.0 for an area without unexplained writing, falling to DOUBT as the writing of
    stamps and blots plus `own_px` (writing on options that is no mark) reaches
    UNEXPLAINED_MM2."""
    mm2 = (evidence.unexplained_px + own_px) / evidence.px_per_mm2
    return 1.0 - (1.0 - DOUBT) * min(1.0, mm2 / UNEXPLAINED_MM2)


def _faint(evidence: FieldEvidence) -> bool:
    """Whether specks around one option may be a mark too faint to hold together
    (optionmarks.FAINT_MM2): a blank read beside them is a person's to look at."""
    return evidence.faint_px >= FAINT_MM2 * evidence.px_per_mm2


def _marked(evidence: FieldEvidence) -> tuple[int | None, float]:
    """Index of the marked option (None for none) and the confidence of that reading."""
    live = [i for i, option in enumerate(evidence.options) if _is_live(option)]
    struck = [i for i, option in enumerate(evidence.options) if option.struck]
    stray = sum(option.written_px for option in evidence.options
                if not option.struck and not _mark_certainty(option))
    clean = _clean(evidence, stray)
    if len(live) > 1:
        best = max(live, key=lambda i: _mark_certainty(evidence.options[i]))
        return best, TWO_MARKS
    if not live:
        crowded = evidence.neighbours_around >= PARTLY_AROUND
        return None, min(clean * SURE, DOUBT if struck or crowded or _faint(evidence) else SURE)
    certainty = _mark_certainty(evidence.options[live[0]])
    ceiling = STRUCK_SURE if struck else SURE
    return live[0], min(ceiling, clean * (certainty if certainty < 1.0 else SURE))


def read_choice(gray: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec
                ) -> tuple[str, float]:
    """The marked option's value, "" when none is marked."""
    index, confidence = _marked(field_evidence(gray, field, dpi, spec))
    return ("" if index is None else field.options[index].value), confidence


def read_check(gray: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec
               ) -> tuple[str, float]:
    """"true" when the box (or its label) is marked, else "false"."""
    index, confidence = _marked(field_evidence(gray, field, dpi, spec))
    return ("false" if index is None else "true"), confidence


def read_presence(gray: np.ndarray, field: FieldSpec, dpi: int, spec: FormSpec
                  ) -> tuple[str, float]:
    """"true" when anything is written in the box (a signature), else "false"; sure of
    "false" only when the box holds no writing at all, and of "true" only when no stamp or
    seal lies over it (a seal's ring and letters look like writing, and one over a
    signature may hide that it is only the seal)."""
    evidence = field_evidence(gray, field, dpi, spec)
    option = evidence.options[0]
    share = option.box_share
    if share >= WRITTEN:
        ceiling = DOUBT if evidence.stamped_px else SURE
        return "true", min(ceiling, _strength(share, WRITTEN))
    return "false", min(DOUBT if _faint(evidence) else SURE, _clean(evidence, option.written_px))
