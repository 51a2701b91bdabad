"""Read-only queries on a store (placeholder until the store's schema lands)."""
from __future__ import annotations


def open_store(path: str):
    raise NotImplementedError
