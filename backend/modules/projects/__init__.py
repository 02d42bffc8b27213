"""Mobile practice (移动执业), first half: projects, publicity, maintenance plans, on-site practice."""
