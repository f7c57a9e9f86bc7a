"""Per-partition transaction state of a node, built on first use from the partition's log
(`.txnindex` files plus a scan of the batch headers), then kept current by appends."""

from __future__ import annotations

import weakref

from .partition_state import PartitionTxns

_states: weakref.WeakKeyDictionary[object, PartitionTxns] = weakref.WeakKeyDictionary()


def txns_of(plog) -> PartitionTxns:
    st = _states.get(plog)
    if st is None:
        st = _states[plog] = rebuild(plog)
    return st


def rebuild(plog) -> PartitionTxns:
    st = PartitionTxns(plog)
    st.load_index()
    for h in plog.iter_batch_headers(plog.log_start_offset):
        st.on_batch(h, lambda hh: plog.read(hh.base_offset, hh.size, min_one=True))
    _states[plog] = st
    return st


def forget(plog) -> None:
    """After a truncation: rebuilt on next use."""
    _states.pop(plog, None)
