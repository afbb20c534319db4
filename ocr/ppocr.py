"""The second, independent reader: PP-OCRv6's small text-line recogniser on ONNX Runtime.

Tesseract's renderings of one crop share its blind spots (a handwritten 9 read as 4 by every
one of them), so their agreement is no evidence. PP-OCR is a different network trained on
different data and errs elsewhere. Only its recogniser runs, directly on our field crops
(no detector, no direction classifier). Its weights and its 18,708-character dictionary (in
the model's metadata) ship inside the `rapidocr` wheel; the model is loaded straight from
there with onnxruntime, so nothing is ever downloaded (rapidocr's own pipeline would fetch a
dictionary or model it does not find).
"""

from __future__ import annotations

import math
import os
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any

import cv2
import numpy as np

from ocr import onnx_lines

MODEL_NAME = "PP-OCRv6_rec_small.onnx"
HEIGHT = 48
"""Input height the recogniser was trained at (rapidocr's rec_img_shape)."""
MIN_WIDTH = 192
"""Narrower lines are padded to this width. rapidocr pads to 320 (a 48x320 input shape), but
the recogniser's time grows with the width (about 8 ms per 100 px on one core) and most
field lines are 50-250 px wide, so that padding made 43 % of its work. Measured on 84
generated office and photo pages in hands the readers were not tuned on (1,163 text and
digit fields): padded to 320, 83.4 % read right and 55.7 % sure; to 192, 83.4 % and 55.2 %;
not padded, 83.0 % and 54.9 %; the same two sure readings wrong in each."""
MARGIN = 0.15
"""White margin added around the ink, as a share of its height, before scaling: the model
is trained on detector crops, which leave a little paper around the text. Measured on the
same lines: 0.08 and 0.15 read alike, 0.25 worse."""


@dataclass(frozen=True)
class Char:
    """One recognised character: its probability and where it stands in the read image."""

    text: str
    confidence: float
    x: float
    """Centre column, in pixels of the image as given to read_line."""


@dataclass(frozen=True)
class Reading:
    """The recognised line, character by character."""

    chars: tuple[Char, ...]

    @property
    def text(self) -> str:
        return "".join(char.text for char in self.chars)

    @property
    def lowest(self) -> float:
        """The least sure character's probability (0..1), 0 when nothing was read."""
        return min((char.confidence for char in self.chars), default=0.0)


@onnx_lines.made_once
def _session(pid: int) -> tuple[Any, tuple[str, ...]]:
    """This process's session and the output's labels, made on first use (ocr.onnx_lines);
    keyed by process id so that a forked worker makes its own instead of using one whose
    thread pool did not survive the fork."""
    session = onnx_lines.session(onnx_lines.wheel_file("rapidocr", "models", MODEL_NAME))
    dictionary = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    return session, ("", *dictionary, " ")


def labels() -> tuple[str, ...]:
    """The recogniser's output labels: the CTC blank (""), the dictionary, the space."""
    return _session(os.getpid())[1]


@cache
def japanese() -> str:
    """The labels that Japanese text can hold (those Shift_JIS, as Windows extends it, can
    encode, 髙 and 﨑 included), without the space: the dictionary also holds simplified and
    traditional Chinese forms (对, 戶), which a Japanese name or address never contains."""
    def encodable(label: str) -> bool:
        try:
            label.encode("cp932")
        except UnicodeEncodeError:
            return False
        return True
    normal = {unicodedata.normalize("NFKC", label) for label in labels() if encodable(label)}
    return "".join(sorted(char for char in normal if len(char) == 1 and not char.isspace()))


@cache
def _allowed_indices(allowed: str | None) -> np.ndarray | None:
    """Output positions the decoder may choose, in increasing order: the blank and every label
    that is one of the `allowed` characters once width-normalised (a full-width ７ counts as
    7)."""
    if allowed is None:
        return None
    wanted = set(allowed)
    return np.array([index for index, label in enumerate(labels())
                     if index == onnx_lines.BLANK
                     or (label != "" and unicodedata.normalize("NFKC", label) in wanted)])


def _prepare(image: np.ndarray) -> tuple[np.ndarray, float, int]:
    """The model's input for one dark-on-white gray line: a white margin, height 48, values
    in [-1, 1], three equal channels, right-padded with 0 to at least MIN_WIDTH; with the
    scale and margin that map its columns back onto the image's."""
    margin = max(2, round(image.shape[0] * MARGIN))
    image = cv2.copyMakeBorder(image, margin, margin, margin, margin, cv2.BORDER_CONSTANT,
                               value=255)
    scale = HEIGHT / image.shape[0]
    width = max(1, math.ceil(image.shape[1] * scale))
    resized = cv2.resize(image, (width, HEIGHT),
                         interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR)
    batch = np.zeros((1, 3, HEIGHT, max(width, MIN_WIDTH)), np.float32)
    batch[0, :, :, :width] = resized.astype(np.float32) / 127.5 - 1
    return batch, scale, margin


def read_line(image: np.ndarray, allowed: str | None = None) -> Reading:
    """The text of a single-line crop (dark text on white, uint8 gray), restricted to the
    `allowed` characters when given; width variants come back normalised (NFKC: ７ as 7)."""
    return read_line_held(image, allowed)[0]


def read_line_held(image: np.ndarray, *allowed: str | None) -> tuple[Reading, ...]:
    """The line read once per set of `allowed` characters (None: free), as read_line would
    read it, from one run of the network: the restriction only changes the decoding, and the
    run is what costs (a free read and a held read of one line took two)."""
    session, _ = _session(os.getpid())
    batch, scale, margin = _prepare(np.ascontiguousarray(image, dtype=np.uint8))
    probabilities = session.run(None, {session.get_inputs()[0].name: batch})[0][0]
    step_px = batch.shape[3] / len(probabilities)
    return tuple(Reading(tuple(Char(unicodedata.normalize("NFKC", text), confidence,
                                    step * step_px / scale - margin)
                               for text, confidence, step in onnx_lines.greedy(
                                   probabilities, _allowed_indices(held), labels())))
                 for held in allowed)
