"""Server-side export of every admin list to CSV or Excel, for the user's jurisdiction only (background job)."""
