"""Supervision (监督检查): on-site inspections, real-time spot checks and administrative penalties."""
