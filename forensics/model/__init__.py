"""The records every parser produces and every later stage reads.

One module per record family; this package re-exports the core types.
"""

from forensics.model.core import (
    Endpoint,
    Evidence,
    ParseWarning,
    Provenance,
    Record,
    Secret,
)

__all__ = ["Endpoint", "Evidence", "ParseWarning", "Provenance", "Record", "Secret"]
