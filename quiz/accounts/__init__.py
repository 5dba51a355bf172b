"""Accounts: people, their identity numbers, passwords and roles."""
