"""Platform administration: audit log, background jobs, the development outbox."""
