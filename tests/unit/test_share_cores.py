"""A worker's children share the cores they may run on for reading a page's fields."""

from __future__ import annotations

import os

import pytest

from workers import pipeline


@pytest.mark.parametrize(("children", "cores", "threads"),
                         [(1, 2, 2), (2, 2, 1), (3, 2, 1), (2, 4, 2), (4, 16, 4), (1, 32, 4)])
def test_each_child_reads_with_its_share_of_the_cores(
        monkeypatch: pytest.MonkeyPatch, children: int, cores: int, threads: int) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    monkeypatch.setattr(pipeline, "_read_threads", pipeline._read_threads)
    pipeline.share_cores(children)
    assert pipeline._read_threads == threads
