"""A transactional id's metadata and its states (Kafka's TransactionMetadata / TransactionState).

Valid transitions, as Kafka's TransactionState.validPreviousStates:
  Empty          <- Empty, CompleteCommit, CompleteAbort
  Ongoing        <- Ongoing, Empty, CompleteCommit, CompleteAbort
  PrepareCommit  <- Ongoing
  PrepareAbort   <- Ongoing, PrepareEpochFence
  CompleteCommit <- PrepareCommit
  CompleteAbort  <- PrepareAbort
  PrepareEpochFence <- Ongoing
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum


class TxnState(IntEnum):  # the numbers stored in TransactionLogValue.TransactionStatus
    EMPTY = 0
    ONGOING = 1
    PREPARE_COMMIT = 2
    PREPARE_ABORT = 3
    COMPLETE_COMMIT = 4
    COMPLETE_ABORT = 5
    DEAD = 6
    PREPARE_EPOCH_FENCE = 7


S = TxnState
VALID_PREVIOUS = {
    S.EMPTY: {S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT},
    S.ONGOING: {S.ONGOING, S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT},
    S.PREPARE_COMMIT: {S.ONGOING},
    S.PREPARE_ABORT: {S.ONGOING, S.PREPARE_EPOCH_FENCE},
    S.COMPLETE_COMMIT: {S.PREPARE_COMMIT},
    S.COMPLETE_ABORT: {S.PREPARE_ABORT},
    S.DEAD: {S.EMPTY, S.COMPLETE_COMMIT, S.COMPLETE_ABORT},
    S.PREPARE_EPOCH_FENCE: {S.ONGOING},
}
# Kafka's names in log lines (TransactionState.name)
STATE_NAMES = {
    S.EMPTY: "Empty",
    S.ONGOING: "Ongoing",
    S.PREPARE_COMMIT: "PrepareCommit",
    S.PREPARE_ABORT: "PrepareAbort",
    S.COMPLETE_COMMIT: "CompleteCommit",
    S.COMPLETE_ABORT: "CompleteAbort",
    S.DEAD: "Dead",
    S.PREPARE_EPOCH_FENCE: "PrepareEpochFence",
}
MAX_EPOCH = 32767


@dataclass
class TxnMetadata:
    transactional_id: str
    producer_id: int
    producer_epoch: int
    timeout_ms: int
    state: TxnState = TxnState.EMPTY
    partitions: set[tuple[str, int]] = field(default_factory=set)
    last_update_ms: int = -1
    start_ms: int = -1
    # in memory only: a marker round is being written (requests meanwhile: CONCURRENT_TRANSACTIONS)
    pending: bool = False

    def can_become(self, state: TxnState) -> bool:
        return self.state in VALID_PREVIOUS[state]

    @property
    def in_prepare(self) -> bool:
        return self.state in (S.PREPARE_COMMIT, S.PREPARE_ABORT, S.PREPARE_EPOCH_FENCE)
