"""The recognisers are made once per process, however many reading threads ask for them on
their first fields together (ocr.onnx_lines.made_once)."""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from ocr.onnx_lines import made_once


def test_threads_asking_together_make_it_once_and_share_it() -> None:
    made: list[int] = []
    start = threading.Barrier(8)

    @made_once
    def build(pid: int) -> object:
        made.append(pid)
        time.sleep(0.05)  # long enough for every other thread to ask meanwhile
        return object()

    def ask(_: int) -> object:
        start.wait()
        return build(os.getpid())

    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(ask, range(8)))
    assert made == [os.getpid()]
    assert all(thing is got[0] for thing in got)

