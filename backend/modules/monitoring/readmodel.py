"""The read model of monitoring: the one place it names other modules' tables and labels, each taken from that
module's queries.py. Statistics, scores, tracking and warnings select and join over these (the bulk queries stay
single statements: a join over projects and visits is the query, not a call per row); nothing in monitoring
writes to them."""

from __future__ import annotations

from backend.modules.accounts.queries import User as User
from backend.modules.accounts.queries import UserRole as UserRole
from backend.modules.documents.queries import ConclusionDocument as ConclusionDocument
from backend.modules.documents.queries import document_by_id as document_by_id
from backend.modules.feedback.queries import Feedback as Feedback
from backend.modules.feedback.queries import FeedbackVisit as FeedbackVisit
from backend.modules.projects.queries import SERVICE_TYPES as SERVICE_TYPES
from backend.modules.projects.queries import Defect as Defect
from backend.modules.projects.queries import MaintenancePlan as MaintenancePlan
from backend.modules.projects.queries import PlanItem as PlanItem
from backend.modules.projects.queries import Project as Project
from backend.modules.projects.queries import SiteVisit as SiteVisit
from backend.modules.projects.queries import WorkRecord as WorkRecord
from backend.modules.projects.queries import project_by_id as project_by_id
from backend.modules.realname.queries import CERT_KINDS as CERT_KINDS
from backend.modules.realname.queries import Certificate as Certificate
from backend.modules.realname.queries import Employment as Employment
from backend.modules.realname.queries import IntegrityEvidence as IntegrityEvidence
from backend.modules.realname.queries import Organization as Organization
from backend.modules.realname.queries import Practitioner as Practitioner
from backend.modules.realname.queries import organization_by_id as organization_by_id
from backend.modules.realname.queries import practitioner_by_id as practitioner_by_id
from backend.modules.supervision.queries import Penalty as Penalty
from backend.modules.supervision.queries import SpotCheck as SpotCheck
