"""What other modules read of supervision: spot checks and penalties, which the monitoring scores and warnings
weigh. Read-side only: the rules that open, close or decide them live in the supervision services.

The tables below are what other modules may name in their own selects and joins: read them, never add or change
their rows from outside this module."""

from __future__ import annotations

# Tables other modules may select from and join (read-only outside this module).
from .models import Penalty as Penalty
from .models import SpotCheck as SpotCheck
