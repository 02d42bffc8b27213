"""Kept for tests/golive, which imports make_user from here; the definitions live in tests/builders/accounts.py."""

from tests.builders.accounts import make_user

__all__ = ["make_user"]
