"""Lifecycle (全生命周期): the append-only, hash-chained timeline of organisations, practitioners, projects."""
