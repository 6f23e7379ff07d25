"""Agent memory: long-term records with a vector index, and the short-term context.

Importing this package loads no model; usearch loads when an ANN index is first built.
"""

from agemem_env.memory.long_term import LongTermMemory
from agemem_env.memory.records import MemoryRecord
from agemem_env.memory.short_term import (
    MESSAGE_KINDS,
    MESSAGE_OVERHEAD_TOKENS,
    ContextMessage,
    ShortTermMemory,
)
from agemem_env.memory.sqlite_store import SQLiteRecordStore, StoredRecord, StoreError
from agemem_env.memory.vector_index import AutoIndex, ExactIndex, USearchIndex

__all__ = [
    "MESSAGE_KINDS",
    "MESSAGE_OVERHEAD_TOKENS",
    "AutoIndex",
    "ContextMessage",
    "ExactIndex",
    "LongTermMemory",
    "MemoryRecord",
    "SQLiteRecordStore",
    "ShortTermMemory",
    "StoreError",
    "StoredRecord",
    "USearchIndex",
]
