"""Practice feedback (从业反馈): pushes to the client unit through the official account, confirmation, rating."""
