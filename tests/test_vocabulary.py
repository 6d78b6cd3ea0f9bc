"""The shared vocabulary: stored values and what each status allows."""

from __future__ import annotations

from snop.model.vocabulary import PlanStatus


def test_plan_statuses_are_stored_as_their_words_and_only_a_draft_changes() -> None:
    assert [s.value for s in PlanStatus] == ["draft", "submitted", "approved"]
    assert PlanStatus("approved") is PlanStatus.APPROVED and PlanStatus.APPROVED == "approved"
    assert [s for s in PlanStatus if not s.frozen] == [PlanStatus.DRAFT]
