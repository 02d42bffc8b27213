"""The rows and inputs tests build, each defined once: accounts (users, tokens, actors), media (faces,
signatures, documents), places (real Shanghai sites, districts, serial numbers), orgs, people, projects, visits.
Import from the submodule that defines a builder; per-module builders.py files keep only what is specific
to that module's tests."""
