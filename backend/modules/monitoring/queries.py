"""What other modules may read of monitoring: its warnings, monthly reports and scores, with their labels.
Read-side only: scans, acknowledgements, report submission and scoring live in the monitoring services. (Today
only the exports module reads monitoring, through the list functions of its reports, scores and warnings.)"""

from __future__ import annotations

# Labels other modules may show.
from .models import GRADES as GRADES
from .models import SEVERITIES as SEVERITIES
from .models import WARNING_STATUSES as WARNING_STATUSES

# Tables other modules may select from and join (read-only outside this module).
from .models import MonitoringWarning as MonitoringWarning
from .models import MonthlyReport as MonthlyReport
from .models import Score as Score
