"""What other modules read of conclusion documents. Read-side only: drafting, signing, sealing and revoking live in
the documents services.

The table below is what other modules may name in their own selects and joins (monitoring statistics and
warnings, the go-live import): read it, never add or change its rows from outside this module."""

from __future__ import annotations

from backend.core.db import db

# Labels and the document type each service type concludes with.
from .models import DOC_TYPE_FOR_SERVICE as DOC_TYPE_FOR_SERVICE
from .models import DOC_TYPES as DOC_TYPES

# Tables other modules may select from and join (read-only outside this module).
from .models import ConclusionDocument as ConclusionDocument


def document_by_id(document_id: int | None) -> ConclusionDocument | None:
    return db.session.get(ConclusionDocument, document_id)
