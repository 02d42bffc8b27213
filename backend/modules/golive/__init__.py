"""Go-live (issue 11): importing the v1 system's history, supplementing imported projects, the trial phase and
the clearing of its data. The flush hook that tags trial rows is installed by the app factory (`hooks.install`),
not by importing the package."""
