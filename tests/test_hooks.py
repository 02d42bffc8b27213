"""The flush and commit listeners are installed by the app factory, explicitly and once: importing a module
installs nothing, and installing again (create_app run once more in the same process) adds nothing."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

from backend import modules
from backend.core import audit
from backend.core.db import db
from backend.modules.accounts import actor_cache
from backend.modules.golive import trial

PROBE = """
import sqlalchemy as sa
from sqlalchemy.orm import Session
import backend.modules
from backend.core import audit
from backend.core.db import db
from backend.modules.accounts import actor_cache, hooks as accounts_hooks
from backend.modules.golive import hooks as golive_hooks, trial
backend.modules.import_models()
for module in backend.modules.MODULES:
    __import__(f"backend.modules.{module}")
from backend.modules.feedback import services as feedback
print(
    bool(feedback._settled_listeners),
    sa.event.contains(db.session, "before_flush", trial._tag_trial_rows),
    sa.event.contains(db.session, "before_flush", audit._capture_writes),
    sa.event.contains(Session, "after_commit", actor_cache._after_commit),
)
"""


def test_importing_the_modules_installs_no_listener() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False", "False", "False"]


def _listeners(event: str) -> list[Any]:
    return list(getattr(db.session().dispatch, event))  # the class's listeners, as a session sees them


def test_the_app_factory_installs_each_hook_once(app: Any) -> None:
    for _ in range(2):  # as when create_app runs again in the same process
        audit.install(db.session)
        modules.install_hooks(app)
    with app.app_context():
        before_flush = _listeners("before_flush")
        assert before_flush.count(trial._tag_trial_rows) == 1
        assert before_flush.count(audit._capture_writes) == 1
        # the trial tagging runs first, so the audit log records is_trial as stored
        assert before_flush.index(trial._tag_trial_rows) < before_flush.index(audit._capture_writes)
        assert _listeners("after_flush_postexec").count(audit._write_pending) == 1
        assert _listeners("after_commit").count(actor_cache._after_commit) == 1
    from backend.modules.documents.services.effectiveness import reevaluate_project_later
    from backend.modules.feedback.services import _settled_listeners

    assert _settled_listeners.count(reevaluate_project_later) == 1
