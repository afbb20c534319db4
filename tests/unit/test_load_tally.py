"""The load test's tallies: the peer municipality's, kept in its own process, joins the
desk's and reviewers' whole (yoshin.measure.load_test)."""

from __future__ import annotations

import pickle

from yoshin.measure.load_test import EXAMPLES, _Tally

SENT = 2 * EXAMPLES + 2
"""Queries the peer sends, every other one failing: more failures than examples kept."""


def test_a_tally_from_another_process_is_added_whole() -> None:
    desk, peer = _Tally(), _Tally()
    desk.request(("upload",), 0.04, None)
    desk.request(("transfer",), 0.06, None)
    for index in range(SENT):
        peer.request(("transfer",), 0.05 + index / 1000, "status 500" if index % 2 else None,
                     example=f"query {index}")
    peer.count("sent")
    desk.add(pickle.loads(pickle.dumps(peer.recorded())))  # as it comes through the pipe
    assert sorted(desk.latencies["transfer"]) == sorted(
        [0.06, *(0.05 + index / 1000 for index in range(SENT))])
    assert desk.latencies["upload"] == [0.04]
    assert desk.failures["transfer"] == SENT // 2
    assert desk.errors["status 500"] == SENT // 2
    assert len(desk.examples) == EXAMPLES and desk.counts["sent"] == 1
