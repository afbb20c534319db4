"""Reads text fields (names, kana, address, phone; the lot number through ocr.printed) with
PP-OCR, confirmed by Tesseract."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from itertools import product

import cv2
import numpy as np

from ocr import ppocr
from ocr.cleanup import (
    PAD_PX,
    crop,
    for_tesseract,
    ink_mask,
    on_paper,
    remove_lines,
    scale_to_height,
    strike_out,
)
from ocr.confidence import Floors, cross_checked, lowest_symbol, unconfirmed
from ocr.fieldmap import FieldSpec
from ocr.geometry import box_to_px, mm_to_px
from ocr.ink import as_seen, lift_paper
from ocr.printed import read_printed
from ocr.tesseract import RAW_LINE_MODE, Word, read_line
from ocr.variants import VARIANTS, fold, same

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
"""Renderings of a line read by Tesseract for confirming an expected value: two must give it,
or one when PP-OCR's free read sees nothing else (CONFIRM_RIVAL, not CONFIRM_VETO)."""
CONFIRM_FLOOR = 0.85
"""Lowest probability of any character of PP-OCR's read of the line held to the expected
value's characters with which PP-OCR backs Tesseract's confirmation (confirms_text). Held to
those characters the model keeps its own probabilities, so a character it took for another
comes out unsure. Measured on 270 generated pages (150 office, 60 poor, 60 photo; seeds
6101, 6301, 6401): Tesseract alone, held to a wrong value's characters, gave it at two
renderings at least 18 times (シミズケィコ for シミズケイコ, 吉田和子 for 高田和子, 19番 for 10番,
another resident's 松戸3丁目 for 東松戸3丁目). Of those PP-OCR's held read also gave exactly
and its free read did not refute (CONFIRM_VETO), the surest scored 0.83 (野材由紀 for
野村由紀, misread alike by both engines in that hand). 74 % of the right values PP-OCR
read held exactly scored 0.85 or more."""
CONFIRM_RIVAL = 0.5
"""With only one of Tesseract's renderings, PP-OCR's free read (no characters held back) may
give no character outside the expected value's as surely as this. A value that leaves out a
character that is written is read held as exactly that value, every character sure: held to
the characters of 14番1号, PP-OCR read 14番17号 as 14番1号 at 0.99, the 7 absorbed into the
blank between characters, which no character probability shows; its free read still gives
the 7."""
CONFIRM_VETO = 0.7
"""With two of Tesseract's renderings, PP-OCR's free read may give no character outside the
expected value's as surely as this. Spaces, stray punctuation and a ー in the gap between
names are left out. Of the 18 wrong values Tesseract alone confirmed (CONFIRM_FLOOR), two
PP-OCR's held read also gave at 0.95 and more were refuted only here: 5番4号 where 5番14号
is written (the 1 at 0.8) and 松戸4丁目3番4号 where 東松戸4丁目23番14号 is (at 1.0)."""
FLOORS = {"jpn": Floors(checker=0.8, ppocr=0.85), "eng": Floors(checker=0.5, ppocr=0.9)}
"""Lowest character confidences with which an agreed line passes. Measured on 570 agreed
Japanese lines of generated pages in hands the readers were not tuned on, the one agreed
wrong line (常盤立大科医院) scored 0.86 and 0.79; these floors keep 86 % of the right ones.
Phone numbers (`eng`) are digits, floored as digit strips are (ocr.digits.FLOORS)."""
WIDENED = (1.5, 2.0)
"""Widths, relative to the writing's, at which shown_reads reads it again: a hand that
crowds its characters (松田 written as one block, 恵美 overlapping) reads as one unknown
character (椥, 麒), and drawn wider it reads as written. Measured on development seeds 17037
and 17038 (600 pages): 6 doctors' and 2 vaccinators' names more confirmed by the clinic's
doctors, all right, and no field more held sure and wrong."""
SPACE_GAP = 0.7
"""An empty stretch wider than this share of the line height is a space (family / given name);
narrower ones are the side bearings of narrow kana."""
SPACE_CONTRAST = 2.0
"""A space between words (family and given name) is also this many times wider than the
line's usual gap: in a hand that spaces every character widely, each gap passes SPACE_GAP
(コ ン ト ウ ア イ), and only the one between the names stands out."""
MAX_WORD_SPACES = 3
"""shown_reads reads a line word by word only when it has fewer spaces than this between
words (a name's two, a place's few): each word has up to four sure reads to combine."""
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
PHONE_DASHES = (0, 2)
"""Dashes in a written Japanese phone number: none, or between its three groups."""
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


def _free_chars(field: FieldSpec) -> str | None:
    """The characters PP-OCR may give reading the field on its own: its whitelist, or for a
    Japanese line without one the Japanese characters; never the space (spaces are placed
    from the gaps, not read)."""
    allowed = field.whitelist or (ppocr.japanese() if field.lang == "jpn" else None)
    return allowed and allowed.replace(" ", "")


def _read_second(line: np.ndarray, field: FieldSpec, seen: np.ndarray | None = None
                 ) -> tuple[str, float]:
    """PP-OCR's text of the line and the confidence of its least sure character; a Japanese
    line without whitelist is held to Japanese characters. PP-OCR reads `seen`, the writing
    as scanned (_as_seen), when given; `line`, the binarised writing, tells the spaces.

    The line is read as written: widened spaces, which help Tesseract, split the parts of
    widely written characters (the dakuten of ダ, the halves of 村) for PP-OCR. The
    recogniser leaves out or misreads the gap between family and given name (nothing, a
    space of low confidence, a long vowel mark ー), so spaces are never read: a space is put
    wherever the characters stand on both sides of a space between words, and a ー read
    inside any wide gap is dropped."""
    image = for_tesseract(line) if seen is None else on_paper(seen)
    reading = ppocr.read_line(image, _free_chars(field))
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
    count no Japanese number has, or with one dash: two engines can agree on a number that
    lost a digit to two overlapping ones (1978 read 198 by both), or a dash written faintly
    or short (090-7582175 read alike by both where 090-758-2175 is written: 3 of 1,000
    reserved office and photo pages). A number is written in three groups or in one."""
    if field.whitelist != PHONE_CHARS:
        return True
    return (sum(char.isdigit() for char in value) in PHONE_DIGITS
            and value.count("-") in PHONE_DASHES)


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


def _as_seen(gray: np.ndarray, field: FieldSpec, dpi: int, line: np.ndarray,
             place: tuple[int, int, int, int]) -> np.ndarray:
    """The writing of `line` (found at `place` in the field's crop) as the scanner saw it,
    gray on paper lifted to white, everything else (box lines, struck-out attempts) white:
    what PP-OCR was trained on. Its binarised line loses the strokes' shading and breaks
    thin ones; measured on 84 generated office and photo pages (588 text fields), PP-OCR read
    86.2 % right from this against 83.7 % from the binarised line, and the two recognisers
    no longer see the same image, so that they share fewer blind spots."""
    field_crop = crop(gray, box_to_px(field.box, dpi), -round(mm_to_px(INSET_MM, dpi)))
    x, y, w, h = place
    return as_seen(lift_paper(field_crop)[y:y + h, x:x + w], line)


def _placed_line(gray: np.ndarray, field: FieldSpec, dpi: int, strike: bool = True
                 ) -> tuple[np.ndarray | None, bool, tuple[int, int, int, int]]:
    """The field's writing, struck-out attempts (unless `strike` is False) and box lines
    removed, trimmed (None when the field is blank); whether any writing was taken for a
    struck-out attempt; and where the line lies in the field's crop (x, y, w, h)."""
    box = box_to_px(field.box, dpi)
    written = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
    ink = written if not strike else _corrected(
        written, strike_out(written, round(mm_to_px(STRIKE_MM, dpi))))
    struck = bool(np.count_nonzero(written) > np.count_nonzero(ink))
    min_h_px = round(mm_to_px(15, dpi))
    framed = remove_lines(ink, min_h_px=min_h_px, min_v_px=round(ink.shape[0] * 0.85))
    ink = remove_lines(ink, min_h_px=min_h_px, min_v_px=ink.shape[0] + 1)
    edge = round(mm_to_px(FRAME_ZONE_MM, dpi))
    ink[:, :edge], ink[:, -edge:] = framed[:, :edge], framed[:, -edge:]
    if float(np.count_nonzero(ink)) / max(ink.size, 1) < EMPTY_INK:
        return None, struck, (0, 0, 0, 0)
    x, y, w, h = cv2.boundingRect(cv2.findNonZero(ink))
    return ink[y:y + h, x:x + w], struck, (x, y, w, h)


def read_text(gray: np.ndarray, field: FieldSpec, dpi: int) -> tuple[str, float]:
    """Value and confidence of a text field: PP-OCR's reading, sure only when Tesseract's
    reads the same once folded (ocr.variants), and never where part of the writing was taken
    for a struck-out attempt: both readers see the same crop, so a stroke wrongly taken for a
    strike (seen on photos: a family name dropped, the given name read alike by both) is no
    disagreement between them."""
    if field.printed:
        return read_printed(gray, field, dpi)
    line, struck, place = _placed_line(gray, field, dpi)
    if line is None:
        box = box_to_px(field.box, dpi)
        ink = ink_mask(crop(gray, box, -round(mm_to_px(INSET_MM, dpi))))
        ink_share = float(np.count_nonzero(ink)) / max(ink.size, 1)
        return "", 1.0 - min(ink_share, EMPTY_INK) / EMPTY_INK * 0.5
    value, lowest = _read_second(line, field, _as_seen(gray, field, dpi, line, place))
    floors = FLOORS[field.lang or "eng"]
    if struck or lowest < floors.ppocr or not _plausible(value, field):
        return value, unconfirmed(lowest)
    check, check_lowest = _read(line, field, LINE_HEIGHT_PX)
    return value, cross_checked(same(value, check), check_lowest, lowest, floors)


def _confirm_chars(wanted: str) -> frozenset[str]:
    """The characters PP-OCR may give when held to `wanted`: its own and the variant forms
    they are folded together with (ocr.variants), which a hand or the recogniser may give for
    the same writing (金ヶ作 written, 金ケ作 registered)."""
    folded = {fold(char) for char in wanted}
    forms = set(VARIANTS) | set(VARIANTS.values())
    return frozenset(wanted) | {form for form in forms if fold(form) in folded}


def _spans(chars: Sequence[ppocr.Char], offset: int, line: np.ndarray) -> bool:
    """Whether the read characters reach from the first character of the trimmed `line` to
    its last, within a line height of each end (`offset`: the margin the read image added
    on the left). The recogniser may leave out a word whole (川口 read where 川口 直子 is
    written), and what it gave is then exactly a shorter value."""
    shown = [char for char in chars if char.text.strip()]
    height, width = line.shape[:2]
    return bool(shown) and (shown[0].x - offset <= height
                            and shown[-1].x - offset >= width - height)


def _ppocr_evidence(line: np.ndarray, wanted: str, cap: float) -> float:
    """The probability of the least sure character of PP-OCR's read of the line held to the
    characters of `wanted` (0 when that read is not `wanted` once folded or does not span
    the line, or when its free read gives a character outside them at `cap` or above).
    Spaces, stray punctuation and a ー inside a wide gap are left out of the free read, as
    in _read_second: `wanted` has no spaces, and the gap between family and given name
    reads as them."""
    allowed = _confirm_chars(wanted)
    image = for_tesseract(line)
    gaps = [(start + PAD_PX, end + PAD_PX) for start, end in _spaces(line)]
    free, held = ppocr.read_line_held(image, None, "".join(sorted(allowed)))
    if any(char.confidence >= cap for char in free.chars
           if char.text.strip() and char.text not in STRAY_PUNCTUATION
           and char.text not in allowed
           and not (char.text == LONG_VOWEL and any(start <= char.x < end
                                                    for start, end in gaps))):
        return 0.0
    return held.lowest if fold(held.text) == fold(wanted) and _spans(held.chars, PAD_PX,
                                                                         line) else 0.0


def confirms_text(gray: np.ndarray, field: FieldSpec, dpi: int, expected: str,
                  shown: frozenset[str] | None = None) -> bool:
    """Whether the field shows `expected`, a value the city's records hold for this form (the
    register's name of the ticket's holder, a doctor of the clinic).

    Confirming is easier than reading: the line is read again allowed only the characters of
    `expected`, by Tesseract at three renderings and by PP-OCR (ocr.ppocr), and both must give
    exactly `expected` (spaces aside; PP-OCR's read folded as ocr.variants does). Tesseract
    must give it at two renderings, or at one; PP-OCR's held read must be sure of every
    character to CONFIRM_FLOOR, and its free read may see nothing else as surely as
    CONFIRM_VETO (two renderings) or CONFIRM_RIVAL (one). Tesseract's character confidences
    are low on such forced readings, right or wrong, so they are not used.

    Tesseract alone confirmed wrong values: measured on 270 generated pages (150 office, 60
    poor, 60 photo; seeds 6101, 6301, 6401), each line tried against its own value, five
    other residents' (the three nearest) or the other clinics and doctors, and every value
    one character off (a confusable character: 千/干, 松/公, 目/日, 1/7, 3/8, 6/5, イ/ィ; a
    house or block number one or ten off, a digit dropped or doubled), 26,004 wrong values
    in all: it confirmed at least 18 of them, this test none. It confirms fewer right values on some
    fields (office pages, right value confirmed before -> now: name 44 -> 51 %, doctor
    31 -> 35 %, vaccinator 30 -> 35 %, reading 63 -> 55 %, address 32 -> 29 %, place
    19 -> 18 %): those Tesseract gave and PP-OCR was unsure of. PP-OCR's held read alone
    confirms far more (over half of the addresses) but also values one character off that
    it misreads the writing as (公戸市民会館 for 松戸市民会館, 大田隆 for 太田隆, 干葉県 for
    千葉県), so it never confirms without Tesseract.

    Tesseract runs first, as before, and PP-OCR reads (twice: free and held) only when a
    rendering gives the value. Measured on 90 office lines on one shared core: 56 ms a call
    for a right value and 46 ms for a wrong one (all three renderings), against 31 and 32
    ms before.

    The line also shows `expected` when PP-OCR's own read of it is exactly that
    (shown_reads, made once per field when a page's caller passes them as `shown`).
    Where part of the writing was taken for a struck-out attempt, the whole writing is tried
    too: bold writing whose horizontal strokes run together (松田, 田村) looks struck through,
    and the given name left after blanking it never shows a doctor's full name. The whole
    writing of a real correction holds the struck attempt beside the correction and shows
    neither.
    """
    wanted = "".join(expected.split())
    if not wanted:
        return False
    if fold(wanted) in (shown_reads(gray, field, dpi) if shown is None else shown):
        return True
    line, struck, _ = _placed_line(gray, field, dpi)
    if line is None:
        return False
    if _line_confirms(line, field, wanted):
        return True
    if not struck:
        return False
    whole = _placed_line(gray, field, dpi, strike=False)[0]
    return whole is not None and _line_confirms(whole, field, wanted)


def shown_reads(gray: np.ndarray, field: FieldSpec, dpi: int) -> frozenset[str]:
    """The values (folded, no spaces) that PP-OCR's own reads of the field's writing give,
    each only when every character is at its floor and the read spans the writing (_spans):
    the writing as scanned with the recognisers' white margin (on_paper) and without it,
    whole and word by word (the words' sure reads joined: 大野 alone was read where 大野 恵美
    is written, both ways, though 恵美 read alone was sure), and, where part of it was taken
    for a struck-out attempt, the whole writing too. A ー read counts both ways (kept, or
    left out as read in a gap). confirms_text takes a value these give as shown: the
    records already take a reading near one of their values as that value
    (ledger.checks.confirmation), and these are readings read_text does not make.
    Unpadded, the writing fills more of the recogniser's input: on the vaccinator's
    names of 200 development pages (seeds 17020, 17026) it read 93.0 % right against
    88.8 % padded (a given name such as 直子 left out whole), though no better on the other
    fields, so read_text keeps the margin. The reads do not depend on the value asked for,
    so a page makes them once per field (ocr.page.confirms)."""
    line, struck, place = _placed_line(gray, field, dpi)
    if line is None:
        return frozenset()
    reads = _sure_reads(gray, field, dpi, line, place)
    if struck:
        whole, _, whole_place = _placed_line(gray, field, dpi, strike=False)
        if whole is not None:
            reads |= _sure_reads(gray, field, dpi, whole, whole_place)
    return frozenset(reads)


def _sure_reads(gray: np.ndarray, field: FieldSpec, dpi: int, line: np.ndarray,
                place: tuple[int, int, int, int]) -> set[str]:
    """shown_reads of one rendering of the writing (`line`, found at `place`): the line read
    whole, and word by word where it has spaces between words."""
    seen = _as_seen(gray, field, dpi, line, place)
    reads = _ppocr_sure_reads(seen, field)
    spaces = _word_spaces(line)
    if spaces and len(spaces) < MAX_WORD_SPACES:
        edges = [0, *(edge for space in spaces for edge in space), line.shape[1]]
        words = [_ppocr_sure_reads(seen[:, start:end], field)
                 for start, end in zip(edges[::2], edges[1::2], strict=True)]
        reads |= {"".join(parts) for parts in product(*words)}
    return reads


def _ppocr_sure_reads(seen: np.ndarray, field: FieldSpec) -> set[str]:
    """PP-OCR's reads of `seen`, as written and widened (WIDENED), that give every
    character at the floor and span it, with the recognisers' white margin and without."""
    floor = FLOORS[field.lang or "eng"].ppocr
    reads = set()
    for factor in (1.0, *WIDENED):
        wide = cv2.resize(seen, (round(seen.shape[1] * factor), seen.shape[0]),
                          interpolation=cv2.INTER_LINEAR) if factor != 1.0 else seen
        for image, offset in ((on_paper(wide), PAD_PX), (wide, 0)):
            reading = ppocr.read_line(image, _free_chars(field))
            chars = [char for char in reading.chars
                     if char.text.strip() and char.text not in STRAY_PUNCTUATION]
            for kept in (chars, [char for char in chars if char.text != LONG_VOWEL]):
                if (kept and min(char.confidence for char in kept) >= floor
                        and _spans(kept, offset, wide)):
                    reads.add(fold("".join(char.text for char in kept)))
    return reads


def _line_confirms(line: np.ndarray, field: FieldSpec, wanted: str) -> bool:
    """confirms_text's test of one rendering of the field's writing."""
    narrowed = field.model_copy(update={"whitelist": "".join(sorted(set(wanted)))})
    agreeing = 0
    for height in CONFIRM_HEIGHTS_PX:
        value, _ = _read(line, narrowed, height)
        agreeing += "".join(value.split()) == wanted
        if agreeing == 2:
            break
    if not agreeing:
        return False
    cap = CONFIRM_VETO if agreeing == 2 else CONFIRM_RIVAL
    return _ppocr_evidence(line, wanted, cap) >= CONFIRM_FLOOR
