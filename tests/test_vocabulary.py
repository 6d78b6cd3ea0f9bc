"""The shared vocabulary: stored values and what each status allows."""

from __future__ import annotations

from snop.model.vocabulary import PlanStatus


def test_plan_statuses_are_stored_as_their_words_and_only_a_draft_changes() -> None:
    assert [s.value for s in PlanStatus] == ["draft", "submitted", "approved"]
    assert PlanStatus("approved") is PlanStatus.APPROVED and PlanStatus.APPROVED == "approved"
    assert [s for s in PlanStatus if not s.frozen] == [PlanStatus.DRAFT]


def test_strategies_in_the_order_plans_show_them() -> None:
    from snop.model.vocabulary import Strategy
    from snop.supply import STRATEGIES

    assert STRATEGIES == (Strategy.LEVEL, Strategy.CHASE, Strategy.OPTIMAL)
    assert list(STRATEGIES) == ["level", "chase", "optimal"]  # stored and typed as words


def test_the_kpi_names_are_defined_once_for_the_card_and_its_targets() -> None:
    from snop.learning.kpis import KPI_COLUMNS
    from snop.model.schema import TABLES
    from snop.model.vocabulary import Kpi

    assert ["family", *(k.value for k in Kpi)] == KPI_COLUMNS
    assert TABLES["kpi_targets"].column("kpi").choices == tuple(KPI_COLUMNS[1:])
    # shown as percent: every fraction; days, turns and the tracking signal as numbers
    assert [k.value for k in Kpi if not k.is_ratio] == [
        "tracking_signal",
        "days_of_supply",
        "turns",
    ]
