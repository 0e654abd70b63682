"""The audit's rules, in the order a report lists them. Each module's RULES; ids are stable (configuration files
and SARIF results name them)."""

from __future__ import annotations

from runnerlink.audit.rules.base import AuditContext, Rule

RULES: tuple[Rule, ...] = ()

__all__ = ["RULES", "AuditContext", "Rule"]
