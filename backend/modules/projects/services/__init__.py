"""Rules of the projects module, one small file per procedure: registration (and corrections), publicity and
status, maintenance plans, check-in/out, work records and defects, and the role-aware views and lists."""
