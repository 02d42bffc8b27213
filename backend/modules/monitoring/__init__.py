"""Process monitoring (从业过程监控): statistics, early warnings, maintenance tracking, monthly reports, scores."""
