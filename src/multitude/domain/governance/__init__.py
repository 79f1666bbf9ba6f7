"""Assemblies: proposals, decision methods, delegation, budgets."""

__all__: list[str] = []
