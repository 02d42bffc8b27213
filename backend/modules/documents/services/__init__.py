"""Rules of the documents module, one file per capability: drafts, signing, effectiveness, the PDF, revocation
and reading, on what common.py shares. Callers import the file they need; the two job bodies below are named here
because the module's jobs.py reaches them as services.render_document and services.reevaluate_project."""

from .effectiveness import reevaluate_project as reevaluate_project
from .pdf import render_document as render_document
