"""Agents, networks, membership and roles."""

from multitude.domain.networks import bodies, rules

__all__ = ["bodies", "rules"]
