"""What other modules may read of go-live: the import runs and the system settings (trial or live mode).
Read-side only: imports, the mode switch and the clearing of trial data live in the golive services. (No module
reads go-live today: it sits above all the others.)"""

from __future__ import annotations

# Labels other modules may show.
from .models import MODES as MODES

# Tables other modules may select from and join (read-only outside this module).
from .models import ImportRun as ImportRun
from .models import SystemSetting as SystemSetting
