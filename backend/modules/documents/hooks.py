"""Listeners of the documents module, installed by the app factory (never by importing the module)."""

from __future__ import annotations

from flask import Flask

from backend.modules.feedback.services import on_feedback_settled

from .services import effectiveness


def install(app: Flask) -> None:
    """When a project's feedback settles (the client answered, or the window lapsed), re-check its blocked
    documents in the background. Feedback sits below documents, so documents registers with it (idempotent)."""
    on_feedback_settled(effectiveness.reevaluate_project_later)
