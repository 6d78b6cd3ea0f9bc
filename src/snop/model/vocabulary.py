"""The words of the S&OP process that several packages share, each defined once."""

from __future__ import annotations

from enum import StrEnum


class PlanStatus(StrEnum):
    """Where a cycle's demand plan stands: a draft is edited, a submitted plan waits for the
    approver, an approved plan is frozen as the cycle's version. Stored as its value."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"

    @property
    def frozen(self) -> bool:
        """Its baseline and overrides may no longer change."""
        return self is not PlanStatus.DRAFT


class Strategy(StrEnum):
    """How the supply plan meets demand: a constant rate (level), production following
    demand (chase), or the cheapest mix the LP finds (optimal). Stored as its value."""

    LEVEL = "level"
    CHASE = "chase"
    OPTIMAL = "optimal"
