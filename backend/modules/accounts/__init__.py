"""Accounts: phone + SMS code login, WeChat login, tokens, roles, supervisor assignments."""
