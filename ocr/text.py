"""Reads text fields (names, kana, address, phone; the lot number through ocr.printed) with
PP-OCR, confirmed by Tesseract."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ocr import ppocr
from ocr.cleanup import (
    PAD_PX,
    crop,
    for_tesseract,
    ink_mask,
    remove_lines,
    scale_to_height,
    strike_out,
    trim,
)
from ocr.confidence import Floors, cross_checked, lowest_symbol, unconfirmed
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.printed import read_printed
from ocr.tesseract import RAW_LINE_MODE, Word, read_line
from ocr.variants import same

INSET_MM = 0.9
"""Crop inside the printed frame so that its line never reaches Tesseract."""
EMPTY_INK = 0.002
"""Ink share below which the field is blank; confidence in the blank falls towards 0.5 as the
share nears it."""
LINE_HEIGHT_PX = 44
"""Measured on generated pages: names, kana and addresses read best at about this height."""
FRAME_ZONE_MM = 1.0
"""Only this near the crop's left and right ends is a tall vertical stroke taken for the
frame, which registration error may bring inside the inset; further in it is writing (the
stem of ト, 十 or 1 in a large hand reached 85 % of the crop's height and was erased)."""
STRIKE_MM = 8
"""Shortest line through the writing that counts as striking it out: longer than any
horizontal stroke of a character written at field height (一 is about 5 mm)."""
CONFIRM_HEIGHTS_PX = (LINE_HEIGHT_PX, 36, 52)
"""Renderings of a line read for confirming an expected value; two must give it."""
FLOORS = {"jpn": Floors(tesseract=0.8, ppocr=0.85), "eng": Floors(tesseract=0.5, ppocr=0.9)}
"""Lowest character confidences with which an agreed line passes. Measured on 570 agreed
Japanese lines of generated pages in hands the readers were not tuned on, the one agreed
wrong line (常盤立大科医院) scored 0.86 and 0.79; these floors keep 86 % of the right ones.
Phone numbers (`eng`) are digits, floored as digit strips are (ocr.digits.FLOORS)."""
SPACE_GAP = 0.7
"""An empty stretch wider than this share of the line height is a space (family / given name);
narrower ones are the side bearings of narrow kana."""
SPACE_CONTRAST = 2.0
"""A space between words (family and given name) is also this many times wider than the
line's usual gap: in a hand that spaces every character widely, each gap passes SPACE_GAP
(コ ン ト ウ ア イ), and only the one between the names stands out."""
WIDE_SPACE = 1.5
"""Real spaces are widened to this share of the line height before reading, so that Tesseract
always splits words there and never elsewhere."""
STRAY_PUNCTUATION = "、。，．"
"""Never part of a name or an address, but read from specks in wide gaps."""
PHONE_CHARS = "0123456789-"
"""The whitelist of a phone number field."""
PHONE_DIGITS = (10, 11)
"""Digits of a Japanese phone number: 10 for a fixed line (047-123-4567), 11 for a mobile or
IP phone (090-1234-5678)."""
LONG_VOWEL = "ー"
"""Read by both engines from the empty gap between family and given name in katakana, and
never a word by itself."""
WORD_GAP = 1.2
"""Gap between Tesseract's words, as a share of their height, that counts as a space."""


def _clean(text: str) -> str:
    """The word without whitespace and without the stray punctuation Tesseract sees in gaps."""
    return "".join(ch for ch in text if not ch.isspace() and ch not in STRAY_PUNCTUATION)


def _join_words(words: list[Word], lang: str) -> str:
    if lang != "jpn":
        return "".join(word.text for word in words)
    height = float(np.median([word.height for word in words]))
    text = words[0].text
    for previous, word in zip(words, words[1:], strict=False):
        gap = word.left - (previous.left + previous.width)
        text += (" " if gap > WORD_GAP * height else "") + word.text
    return text


def _gaps(line: np.ndarray) -> list[tuple[int, int]]:
    """The columns (start, end) of each empty stretch between the ink of a trimmed line."""
    empty = np.count_nonzero(line, axis=0) == 0
    runs, column = [], 0
    while column < len(empty):
        if not empty[column]:
            column += 1
            continue
        end = column
        while end < len(empty) and empty[end]:
            end += 1
        runs.append((column, end))
        column = end
    return runs


def _spaces(line: np.ndarray) -> list[tuple[int, int]]:
    """The columns (start, end) of each space of a trimmed line: an empty stretch wider than
    SPACE_GAP line heights."""
    return [(start, end) for start, end in _gaps(line) if end - start > SPACE_GAP * line.shape[0]]


def _word_spaces(line: np.ndarray) -> list[tuple[int, int]]:
    """The spaces that separate words, not just widely written characters: also at least
    SPACE_CONTRAST times the median of the line's other gaps (all but the widest)."""
    widths = sorted(end - start for start, end in _gaps(line))
    usual = float(np.median(widths[:-1])) if len(widths) > 1 else 0.0
    return [(start, end) for start, end in _spaces(line) if end - start >= SPACE_CONTRAST * usual]


def _widen_spaces(line: np.ndarray) -> np.ndarray:
    """The trimmed line with every space widened to WIDE_SPACE line heights."""
    height = line.shape[0]
    pieces, start = [], 0
    for begin, end in _spaces(line):
        pieces += [line[:, start:begin], np.zeros((height, round(WIDE_SPACE * height)),
                                                  np.uint8)]
        start = end
    pieces.append(line[:, start:])
    return np.hstack(pieces)


def _read(ink: np.ndarray, field: FieldSpec, height_px: int) -> tuple[str, float]:
    """Tesseract's text of the line, its spaces widened, and the confidence of its least sure
    character.

    A whitelist always allows the space: without it, the character after the gap between
    family and given name, where the model wants a space, scores near 0 (ミ at 0.0 in サカモト
    ミサキ, right), which measured on 40 kana names in unfamiliar hands put half of the right
    readings below 0.1."""
    image = for_tesseract(scale_to_height(_widen_spaces(ink), height_px))
    whitelist = field.whitelist and field.whitelist + " "
    words = read_line(image, field.lang or "eng", whitelist)
    if not words:
        words = read_line(image, field.lang or "eng", whitelist, psm=RAW_LINE_MODE)
    words = [replace(word, text=_clean(word.text)) for word in words]
    words = [word for word in words if word.text.strip(LONG_VOWEL)]
    if not words:
        return "", 0.0
    return (_join_words(words, field.lang or "eng"),
            lowest_symbol(words, ignore=STRAY_PUNCTUATION))


def _read_second(line: np.ndarray, field: FieldSpec) -> tuple[str, float]:
    """PP-OCR's text of the line and the confidence of its least sure character; a Japanese
    line without whitelist is held to Japanese characters.

    The line is read as written: widened spaces, which help Tesseract, split the parts of
    widely written characters (the dakuten of ダ, the halves of 村) for PP-OCR. The
    recogniser leaves out or misreads the gap between family and given name (nothing, a
    space of low confidence, a long vowel mark ー), so spaces are never read: a space is put
    wherever the characters stand on both sides of a space between words, and a ー read
    inside any wide gap is dropped."""
    allowed = field.whitelist or (ppocr.japanese() if field.lang == "jpn" else None)
    reading = ppocr.read_line(for_tesseract(line), allowed and allowed.replace(" ", ""))
    gaps = [(start + PAD_PX, end + PAD_PX) for start, end in _spaces(line)]
    spaces = [(start + PAD_PX, end + PAD_PX) for start, end in _word_spaces(line)]
    text, confidences, previous = "", [], -1.0
    for char in reading.chars:
        if char.text in STRAY_PUNCTUATION or (char.text == LONG_VOWEL and any(
                start <= char.x < end for start, end in gaps)):
            continue
        spaced = field.lang == "jpn" and any(previous < start and end <= char.x
                                             for start, end in spaces)
        text += (" " if spaced and text else "") + char.text
        confidences.append(char.confidence)
        previous = char.x
    return text, min(confidences, default=0.0)


def _plausible(value: str, field: FieldSpec) -> bool:
    """False for a phone number (a field that allows only digits and dashes) whose digit
    count no Japanese number has: two engines can agree on a number that lost a digit to two
    overlapping ones (1978 read 198 by both)."""
    if field.whitelist != PHONE_CHARS:
        return True
    return sum(char.isdigit() for char in value) in PHONE_DIGITS


def _corrected(ink: np.ndarray, struck: np.ndarray) -> np.ndarray:
    """`struck` (the ink with struck-out attempts blanked) when something is written after
    the last blanked stretch, as a correction is; otherwise `ink`: bold writing whose
    horizontal strokes run together (恵美) looks struck through, and blanking it left a
    name both engines agreed on without its given name."""
    blanked = np.flatnonzero(np.count_nonzero(ink, axis=0) > np.count_nonzero(struck, axis=0))
    if not len(blanked):
        return struck
    after = np.count_nonzero(struck[:, blanked[-1] + 1:])
    return struck if after >= EMPTY_INK * struck.size else ink


def _line(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[np.ndarray | None, bool]:
    """The field's writing, struck-out attempts and box lines removed, trimmed (None when
    the field is blank); and whether any writing was taken for a struck-out attempt."""
    box = box_to_px(field.box, dpi)
    written = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
    ink = _corrected(written, strike_out(written, round(mm_to_px(STRIKE_MM, dpi))))
    struck = bool(np.count_nonzero(written) > np.count_nonzero(ink))
    min_h_px = round(mm_to_px(15, dpi))
    framed = remove_lines(ink, min_h_px=min_h_px, min_v_px=round(ink.shape[0] * 0.85))
    ink = remove_lines(ink, min_h_px=min_h_px, min_v_px=ink.shape[0] + 1)
    edge = round(mm_to_px(FRAME_ZONE_MM, dpi))
    ink[:, :edge], ink[:, -edge:] = framed[:, :edge], framed[:, -edge:]
    if float(np.count_nonzero(ink)) / max(ink.size, 1) < EMPTY_INK:
        return None, struck
    return trim(ink), struck


def read_text(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a text field: PP-OCR's reading, sure only when Tesseract's
    reads the same once folded (ocr.variants), and never where part of the writing was taken
    for a struck-out attempt: both readers see the same crop, so a stroke wrongly taken for a
    strike (seen on photos: a family name dropped, the given name read alike by both) is no
    disagreement between them."""
    if field.printed:
        return read_printed(gray, field, dpi)
    line, struck = _line(gray, field, dpi)
    if line is None:
        box = box_to_px(field.box, dpi)
        ink = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
        ink_share = float(np.count_nonzero(ink)) / max(ink.size, 1)
        return "", 1.0 - min(ink_share, EMPTY_INK) / EMPTY_INK * 0.5
    value, lowest = _read_second(line, field)
    floors = FLOORS[field.lang or "eng"]
    if struck or lowest < floors.ppocr or not _plausible(value, field):
        return value, unconfirmed(lowest)
    check, check_lowest = _read(line, field, LINE_HEIGHT_PX)
    return value, cross_checked(same(value, check), check_lowest, lowest, floors)


def confirms_text(gray: np.ndarray, field: FieldSpec, dpi: int, expected: str) -> bool:
    """Whether the field shows `expected`, a value the city's records hold for this form (the
    register's name of the ticket's holder, a doctor of the clinic).

    Confirming is easier than reading: the line is read again allowed only the characters of
    `expected` and must give exactly `expected` (spaces aside) at two of three renderings.
    Tesseract's character confidences are low on such forced readings, right or wrong, so
    they are not used; other writing reads as something else. Measured on 100 generated
    office pages: 78 of the written names and 92 readings confirmed, no other resident's
    name, and 2 of 200 names one character off (tests/ocr/test_confirm.py).
    """
    wanted = "".join(expected.split())
    line, _ = _line(gray, field, dpi)
    if line is None or not wanted:
        return False
    narrowed = field.model_copy(update={"whitelist": "".join(sorted(set(wanted)))})
    agreeing = 0
    for tried, height in enumerate(CONFIRM_HEIGHTS_PX):
        value, _ = _read(line, narrowed, height)
        agreeing += "".join(value.split()) == wanted
        if agreeing == 2 or agreeing + len(CONFIRM_HEIGHTS_PX) - tried - 1 < 2:
            break
    return agreeing >= 2
