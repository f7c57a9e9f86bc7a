"""Per-partition transaction state of a node, built from the partition's log (`.txnindex` files
plus a scan of the batch headers: in the producer-state scan when the node becomes leader, else on
first use), then kept current by appends."""

from __future__ import annotations

import weakref

from .partition_state import PartitionTxns

_states: weakref.WeakKeyDictionary[object, PartitionTxns] = weakref.WeakKeyDictionary()


def txns_of(plog) -> PartitionTxns:
    st = _states.get(plog)
    if st is None:
        st = _states[plog] = rebuild(plog)
    return st


def fresh(plog) -> PartitionTxns:
    """A new state from the partition's .txnindex files, installed; the caller feeds it every
    stored batch header in order (`on_batch(h, batch_reader(plog))`)."""
    st = PartitionTxns(plog)
    st.load_index()
    _states[plog] = st
    return st


def batch_reader(plog):
    return lambda h: plog.read(h.base_offset, h.size, min_one=True)


def rebuild(plog) -> PartitionTxns:
    st = fresh(plog)
    read = batch_reader(plog)
    for h in plog.iter_batch_headers(plog.log_start_offset):
        st.on_batch(h, read)
    return st
