"""The fetching side of incremental fetch sessions (KIP-227), as Kafka's FetchSessionHandler does
it for a replica fetcher: the first request is a full fetch (epoch 0) naming every partition; once
the leader answers with a session id, each request names only the partitions whose fetch state
changed (offset, log start, leader epoch, max bytes) and lists the dropped ones as forgotten. Any
session error or lost connection makes the next request a full one again."""

from __future__ import annotations

from ..fetch_sessions import FETCH_SESSION_ID_NOT_FOUND, INITIAL_EPOCH, INVALID_SESSION_ID, next_epoch

TP = tuple[str, int]


class FetchSessionHandler:
    def __init__(self) -> None:
        self.session_id = INVALID_SESSION_ID
        self.epoch = INITIAL_EPOCH
        self._sent: dict[TP, dict] = {}  # the session's partitions as the leader knows them
        self._full_sent = True

    def build(self, wanted: dict[TP, dict]) -> dict:
        """Session fields, topics and forgotten topics for the next request, from the partition
        data we want fetched now (Kafka's FetchSessionHandler.Builder.build)."""
        self._full_sent = self.epoch == INITIAL_EPOCH
        if self._full_sent:
            send, forget = dict(wanted), []
        else:
            send = {tp: d for tp, d in wanted.items() if self._sent.get(tp) != d}
            forget = [tp for tp in self._sent if tp not in wanted]
        self._sent = dict(wanted)
        return {
            "session_id": self.session_id,
            "session_epoch": self.epoch,
            "topics": _by_topic(send),
            "forgotten_topics_data": [{"topic": t, "partitions": ps} for t, ps in _group(forget).items()],
        }

    def handle_response(self, resp: dict) -> None:
        """Kafka's FetchSessionHandler.handleResponse: what the next request's session fields are."""
        err = resp["error_code"]
        if err == FETCH_SESSION_ID_NOT_FOUND:
            self._reset(INVALID_SESSION_ID)
        elif err:  # INVALID_FETCH_SESSION_EPOCH and the like: close this one with a full fetch
            self._reset(self.session_id)
        elif resp["session_id"] == INVALID_SESSION_ID:  # no room at the leader, or it dropped ours
            self._reset(INVALID_SESSION_ID)
        elif self._full_sent:
            self.session_id, self.epoch = resp["session_id"], next_epoch(INITIAL_EPOCH)
        else:
            self.epoch = next_epoch(self.epoch)

    def handle_error(self) -> None:
        """No answer (Kafka's handleError): the leader's state is unknown, so the next one is full."""
        self._reset(self.session_id)

    def _reset(self, session_id: int) -> None:
        self.session_id, self.epoch = session_id, INITIAL_EPOCH
        self._sent = {}


def _group(tps: list[TP]) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for t, p in sorted(tps):
        out.setdefault(t, []).append(p)
    return out


def _by_topic(data: dict[TP, dict]) -> list[dict]:
    topics: dict[str, list[dict]] = {}
    for (t, p), d in sorted(data.items()):
        topics.setdefault(t, []).append({"partition": p, **d})
    return [{"topic": t, "partitions": ps} for t, ps in topics.items()]
