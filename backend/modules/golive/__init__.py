"""Go-live (issue 11): importing the v1 system's history, supplementing imported projects, the trial phase and
the clearing of its data. Importing the package installs the flush hook that tags trial rows."""

from . import trial

trial.install()
