"""What other modules read of projects and on-site practice. Read-side only: the rules that change a project, a
visit or a record live in the projects services.

The tables below are what other modules may name in their own selects and joins (documents, monitoring
statistics and supervision read them in bulk, so a select over the table is the honest query): read them, never
add or change their rows from outside this module."""

from __future__ import annotations

from backend.core.db import db

# Labels other modules show (service types, record results, defect severities).
from .models import DEFECT_SEVERITIES as DEFECT_SEVERITIES
from .models import RECORD_RESULTS as RECORD_RESULTS
from .models import SERVICE_TYPES as SERVICE_TYPES

# Tables other modules may select from and join (read-only outside this module).
from .models import Defect as Defect
from .models import DefectStatus as DefectStatus
from .models import MaintenancePlan as MaintenancePlan
from .models import PlanItem as PlanItem
from .models import Project as Project
from .models import ProjectMember as ProjectMember
from .models import RepairRecord as RepairRecord
from .models import SiteVisit as SiteVisit
from .models import WorkRecord as WorkRecord


def project_by_id(project_id: int) -> Project | None:
    return db.session.get(Project, project_id)
