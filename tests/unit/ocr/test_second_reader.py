"""The second reader (PP-OCR) on its own and as the evidence that makes a field sure."""

from __future__ import annotations

import multiprocessing
import os
import random
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ocr import PageReading, load_forms, ppocr
from ocr.cleanup import remove_lines
from ocr.confidence import ACCEPT
from ocr.digits import DIGITS, _rejoin_crossings, read_digits
from ocr.text import PHONE_CHARS, _plausible
from ocr.variants import fold, same
from samples.blank_form import FORMS_DIR
from tests.unit.ocr.images import FONTS, rendered

NAMES = ("渡辺 陽子", "高橋 健一", "佐藤 美咲", "中村 大輔")


@pytest.mark.parametrize("font", FONTS, ids=lambda path: path.stem)
def test_a_rendered_digit_strip_reads_right_and_sure(font: Path) -> None:
    digits = "".join(random.Random(font.stem).choices(DIGITS, k=10))
    reading = ppocr.read_line(rendered(digits, font), DIGITS)
    assert reading.text == digits
    assert reading.lowest > 0.9


@pytest.mark.parametrize("font", FONTS, ids=lambda path: path.stem)
def test_a_rendered_japanese_name_reads_right(font: Path) -> None:
    name = random.Random(font.stem).choice(NAMES)
    reading = ppocr.read_line(rendered(name, font), ppocr.japanese())
    assert fold(reading.text) == fold(name)


def test_the_digit_mask_keeps_letters_out() -> None:
    image = rendered("AB12", FONTS[2])
    assert not set(ppocr.read_line(image, DIGITS).text) - set(DIGITS)
    assert "A" in ppocr.read_line(image).text


def test_a_line_held_several_ways_is_run_through_the_network_once(
        monkeypatch: pytest.MonkeyPatch) -> None:
    image = rendered("AB12", FONTS[2])
    separately = (ppocr.read_line(image), ppocr.read_line(image, DIGITS))
    session, labels = ppocr._session(os.getpid())
    runs = []

    class Counted:
        def __getattr__(self, name: str) -> object:
            return getattr(session, name)

        def run(self, *args: object) -> object:
            runs.append(args)
            return session.run(*args)

    monkeypatch.setattr(ppocr, "_session", lambda pid: (Counted(), labels))
    assert ppocr.read_line_held(image, None, DIGITS) == separately
    assert len(runs) == 1


def test_characters_come_with_their_place_on_the_line() -> None:
    reading = ppocr.read_line(rendered("渡辺　　　陽子", FONTS[2]), ppocr.japanese())
    positions = [char.x for char in reading.chars]
    assert [char.text for char in reading.chars] == list("渡辺陽子")
    assert positions == sorted(positions)
    assert positions[2] - positions[1] > 2.5 * (positions[1] - positions[0])


def test_variant_kanji_width_and_spaces_fold_together() -> None:
    assert same("髙橋　﨑子", "高橋崎子")
    assert same("齋藤", "斉藤") and same("齊藤", "斎藤")
    assert same("渡邊 眞理", "渡辺真理") and same("ＡＳ１０２８Ａ", "AS1028A")
    assert same("047‐123−4567", "047-123-4567")
    assert not same("高橋", "高田")
    assert not same("", "")


def _field(reading: PageReading, kind: str):
    return next(field for field in reading.spec.fields if field.type == kind
                and reading.fields[field.key].value and field.key != "dose_number")


def test_a_disagreement_keeps_a_field_from_being_sure(
        readings: list[tuple[dict, PageReading]], monkeypatch: pytest.MonkeyPatch) -> None:
    """The same registered field: sure when both engines read it alike, not when PP-OCR's
    reading differs in one digit (Tesseract's renderings cannot outvote it)."""
    page = next(reading for _, reading in readings
                if reading.fields[_field(reading, "digits").key].confidence >= ACCEPT)
    field = _field(page, "digits")
    value, confidence = read_digits(page.registered, field, page.dpi)
    assert confidence >= ACCEPT
    real = ppocr.read_line

    def one_digit_off(image: np.ndarray, allowed: str | None = None) -> ppocr.Reading:
        reading = real(image, allowed)
        first = reading.chars[0]
        other = ppocr.Char(str((int(first.text) + 1) % 10), first.confidence, first.x)
        return ppocr.Reading((other, *reading.chars[1:]))

    monkeypatch.setattr(ppocr, "read_line", one_digit_off)
    changed, doubted = read_digits(page.registered, field, page.dpi)
    assert changed != value
    assert doubted < ACCEPT


NO_NETWORK = """
import socket
def refuse(*args, **kwargs):
    raise OSError("network used")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
import numpy as np
from ocr import ppocr
image = np.full((60, 200), 255, np.uint8)
image[15:45, 30:36] = 0
ppocr.read_line(image, "0123456789")
print(len(ppocr.labels()))
"""


def test_the_model_loads_from_the_wheel_without_network() -> None:
    result = subprocess.run([sys.executable, "-c", NO_NETWORK], capture_output=True, text=True,
                            timeout=120, cwd=Path(__file__).parents[3])
    assert result.returncode == 0, result.stderr
    assert int(result.stdout) > 18000


def _read_in_child(queue: multiprocessing.Queue) -> None:
    queue.put(ppocr.read_line(rendered("31415", FONTS[2]), DIGITS).text)


def test_a_forked_worker_reads_with_its_own_session() -> None:
    ppocr.read_line(rendered("27", FONTS[2]), DIGITS)
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_read_in_child, args=(queue,))
    child.start()
    child.join(60)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == "31415"


def test_a_stroke_across_a_box_line_stays_whole() -> None:
    """Both engines would agree on a broken shape, so the box line must not cut the digit."""
    ink = np.zeros((80, 120), np.uint8)
    ink[38:43, :] = 255
    ink[10:70, 60:66] = 255
    cleaned = remove_lines(ink, min_h_px=90, min_v_px=200)
    assert not cleaned[40, 60:66].any()
    rejoined = _rejoin_crossings(ink, cleaned, reach=7)
    assert rejoined[12:68, 58:68].any(axis=1).all()
    assert not rejoined[40, :50].any() and not rejoined[40, 80:].any()


def test_a_phone_number_without_a_real_digit_count_or_grouping_is_not_plausible() -> None:
    phone = next(field for field in load_forms(FORMS_DIR)["covid19"].fields
                 if field.whitelist == PHONE_CHARS)
    assert _plausible("047-123-4567", phone) and _plausible("090-1234-5678", phone)
    assert not _plausible("090-915-198", phone)
    assert _plausible("0471234567", phone)
    assert not _plausible("090-7582175", phone) and not _plausible("043-549-76-74", phone)
