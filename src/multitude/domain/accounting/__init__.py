"""Contribution accounting and fair redistribution: contributions, validation, value equations, distribution."""
