"""Accounts, roles and permissions: who a request is and what it may do."""
