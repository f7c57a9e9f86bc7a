"""Transactions: the transaction coordinator on `__transaction_state` (coordinator.py), markers
(control.py, markers.py, marker_sender.py), what each partition knows of open and aborted
transactions (partition_state.py, registry.py) and transactional offset commits
(pending_offsets.py). docs/broker.md, docs/storage.md."""
