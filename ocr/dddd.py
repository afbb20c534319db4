"""The third reader, of digit strips only: ddddocr's text recogniser on ONNX Runtime.

A handwritten digit strip that PP-OCR reads surely often finds no Tesseract rendering to
agree: Tesseract's fast model reads these hands' 5s and 0s as 6 in every rendering, and the
strip waits for a person though PP-OCR was right. ddddocr's recogniser is a third network,
trained on distorted, noisy captcha text rather than on documents, and errs elsewhere again.
On 197 strips of development pages that PP-OCR read surely and Tesseract did not confirm,
ddddocr agreed at 0.9 or more on 76, none wrong (ocr.digits.DDDD_FLOORS). Its weights and
character set ship inside the `ddddocr` wheel and are loaded from there with onnxruntime;
its own pipeline is not used.
"""

from __future__ import annotations

import ast
import os
from typing import Any

import cv2
import numpy as np

from ocr import onnx_lines

MODEL_NAME = "common_old.onnx"
"""ddddocr's default recogniser (its `beta` model is four times the size)."""
HEIGHT = 64
"""Input height the recogniser was trained at."""
DIGITS = "0123456789"


@onnx_lines.made_once
def _session(pid: int) -> tuple[Any, np.ndarray, list[str]]:
    """This process's session, the output positions of the blank and the ten digits, and
    the output's labels; made on first use (ocr.onnx_lines), keyed by process id so that a
    forked worker makes its own.

    The labels are read from the wheel's `charsets.py` as data: it is one list literal,
    and importing the module would import the whole package."""
    session = onnx_lines.session(onnx_lines.wheel_file("ddddocr", MODEL_NAME))
    tree = ast.parse(onnx_lines.wheel_file("ddddocr", "charsets.py").read_text(encoding="utf-8"))
    charset: list[str] = next(ast.literal_eval(node.value) for node in tree.body
                              if isinstance(node, ast.Assign)
                              and any(getattr(target, "id", "") == "CHARSET_OLD"
                                      for target in node.targets))
    positions = np.array([onnx_lines.BLANK, *(charset.index(digit) for digit in DIGITS)])
    return session, positions, charset


def read_digits(image: np.ndarray) -> tuple[str, float]:
    """The digits of a one-line crop (dark on white, uint8 gray) and the probability of the
    least sure one (0 when none was read): only the blank and the digits compete
    (onnx_lines.greedy), so a digit the model took for a letter stays unsure."""
    session, positions, labels = _session(os.getpid())
    height, width = image.shape
    resized = cv2.resize(np.ascontiguousarray(image, dtype=np.uint8),
                         (max(1, round(width * HEIGHT / height)), HEIGHT),
                         interpolation=cv2.INTER_LINEAR)
    batch = (resized.astype(np.float32) / 255)[None, None]
    logits = session.run(None, {session.get_inputs()[0].name: batch})[0]
    logits = logits[:, 0, :] if logits.shape[1] == 1 else logits[0]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    chars = onnx_lines.greedy(exp / exp.sum(axis=1, keepdims=True), positions, labels)
    return ("".join(text for text, _, _ in chars),
            min((confidence for _, confidence, _ in chars), default=0.0))
