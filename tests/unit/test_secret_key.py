"""The service's secret key is made once, whole, however many start at the same moment."""

from __future__ import annotations

import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from models.keys import _load_or_create


def test_makers_starting_together_all_read_the_one_whole_key(tmp_path: Path) -> None:
    for trial in range(40):
        path = tmp_path / f"home-{trial}" / "secret.key"
        with ThreadPoolExecutor(8) as pool:
            keys = list(pool.map(_load_or_create, [path] * 8))
        assert len(set(keys)) == 1 and len(keys[0]) == 32
        assert path.read_bytes() == keys[0]
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert [p.name for p in path.parent.iterdir()] == ["secret.key"]  # no leftovers
