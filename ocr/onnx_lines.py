"""What the ONNX Runtime line recognisers (ocr.ppocr, ocr.dddd) share: their models found
inside the wheels that ship them, one single-threaded session each, and greedy CTC
decoding held to a set of characters."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

T = TypeVar("T")

BLANK = 0
"""CTC blank: index 0 of both recognisers' output."""


def wheel_file(package: str, *parts: str) -> Path:
    """A file of an installed package, found without importing it (rapidocr's import loads
    its whole pipeline and logger, ddddocr's its web API)."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError(f"{package} is not installed: pip install {package}")
    path = Path(next(iter(spec.submodule_search_locations))).joinpath(*parts)
    if not path.exists():
        raise RuntimeError(f"{path.name} missing from the {package} wheel: {path}")
    return path


def made_once(make: Callable[[int], T]) -> Callable[[int], T]:
    """`make` (of a process id) cached, and never run by two threads at once. The reading
    threads ask for a recogniser on their first fields together: built twice, a model
    costs its memory twice, and ddddocr's labels are parsed with `ast`, which CPython 3.11
    does not keep apart between threads (a SystemError, "AST constructor recursion depth
    mismatch", failed one page's first reading attempt in a 600-page run)."""
    cached = cache(make)
    lock = threading.Lock()

    @wraps(make)
    def once(pid: int) -> T:
        with lock:
            return cached(pid)

    return once


def session(model: Path) -> Any:
    """An ONNX Runtime session of one thread: fields are read in parallel threads
    (ocr.page), and a session's run may be called from several threads at once.

    ONNX Runtime is imported here, not with the module: the web server loads the reader's
    modules for their field maps and never reads a page, and the runtime would add tens of
    megabytes to every server process."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(model), sess_options=options,
                                        providers=["CPUExecutionProvider"])


def greedy(probabilities: np.ndarray, allowed: np.ndarray | None,
           names: tuple[str, ...] | list[str]) -> list[tuple[str, float, float]]:
    """CTC greedy decoding: the best label per time step, repeats merged, blanks dropped;
    each character with its confidence and centre (in time steps).

    A character's confidence is its highest probability over the steps it spans. With
    `allowed` (output positions, the blank among them), only those labels compete, picked
    among their own columns rather than from a masked copy of the whole output; their
    probabilities stay the model's own, so a digit the model took for a letter stays
    unsure."""
    best = (probabilities.argmax(axis=1) if allowed is None
            else allowed[probabilities[:, allowed].argmax(axis=1)])
    chosen = probabilities[np.arange(len(best)), best]
    chars: list[tuple[str, float, list[int]]] = []
    previous = BLANK
    for step, index in enumerate(best):
        if index != BLANK:
            if index != previous:
                chars.append((names[index], float(chosen[step]), [step]))
            else:
                text, confidence, steps = chars[-1]
                chars[-1] = (text, max(confidence, float(chosen[step])), [*steps, step])
        previous = index
    return [(text, confidence, sum(steps) / len(steps) + 0.5)
            for text, confidence, steps in chars]
