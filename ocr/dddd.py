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

import importlib.util
import os
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

MODEL_NAME = "common_old.onnx"
"""ddddocr's default recogniser (its `beta` model is four times the size)."""
HEIGHT = 64
"""Input height the recogniser was trained at."""
DIGITS = "0123456789"
BLANK = 0
"""CTC blank: index 0 of the output, the empty label of the character set."""


def _package() -> Path:
    """The installed ddddocr package, found without importing it (its import loads its web
    API and pipeline)."""
    spec = importlib.util.find_spec("ddddocr")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("ddddocr is not installed: pip install ddddocr")
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def _session(pid: int) -> tuple[Any, np.ndarray, str]:
    """This process's session, the output positions of the blank and the ten digits, and
    the digit each position stands for; made on first use (as ocr.ppocr's, one thread per
    session, keyed by process id so that a forked worker makes its own).

    The character set is read from the wheel's `charsets.py` as data: it is one list
    literal, and importing the module would import the whole package."""
    import ast

    import onnxruntime

    path = _package() / MODEL_NAME
    if not path.exists():
        raise RuntimeError(f"ddddocr recogniser missing from its wheel: {path}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = onnxruntime.InferenceSession(str(path), sess_options=options,
                                           providers=["CPUExecutionProvider"])
    tree = ast.parse((_package() / "charsets.py").read_text(encoding="utf-8"))
    charset: list[str] = next(ast.literal_eval(node.value) for node in tree.body
                              if isinstance(node, ast.Assign)
                              and any(getattr(target, "id", "") == "CHARSET_OLD"
                                      for target in node.targets))
    positions = np.array([BLANK, *(charset.index(digit) for digit in DIGITS)])
    return session, positions, "\0" + DIGITS


def read_digits(image: np.ndarray) -> tuple[str, float]:
    """The digits of a one-line crop (dark on white, uint8 gray) and the probability of the
    least sure one (0 when none was read).

    Only the blank and the digits compete at each step (greedy CTC), picked among their own
    columns of the model's output: a digit the model took for a letter stays unsure. A
    digit's probability is its highest over the steps it spans."""
    session, positions, names = _session(os.getpid())
    height, width = image.shape
    resized = cv2.resize(np.ascontiguousarray(image, dtype=np.uint8),
                         (max(1, round(width * HEIGHT / height)), HEIGHT),
                         interpolation=cv2.INTER_LINEAR)
    batch = (resized.astype(np.float32) / 255)[None, None]
    logits = session.run(None, {session.get_inputs()[0].name: batch})[0]
    logits = logits[:, 0, :] if logits.shape[1] == 1 else logits[0]
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    held = (exp / exp.sum(axis=1, keepdims=True))[:, positions]
    best = held.argmax(axis=1)
    text, lowest, previous = "", [], BLANK
    for step, index in enumerate(best):
        if index != BLANK:
            if index != previous:
                text += names[index]
                lowest.append(float(held[step, index]))
            else:
                lowest[-1] = max(lowest[-1], float(held[step, index]))
        previous = index
    return text, min(lowest, default=0.0)
