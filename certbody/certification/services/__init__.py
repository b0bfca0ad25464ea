"""Evaluation (7.4), review (7.5), decision (7.6) and surveillance (7.9): every write goes through here."""

from .decision import (
    decision_make,
    evaluation_reopen,
    review_complete,
    reviewer_assign,
)
from .evaluation import (
    TEST_ORDER_NUMBER_TEMPLATE,
    evaluation_cancel_open,
    evaluation_complete,
    evaluation_gaps,
    evaluation_start,
    grant_blockers,
    test_order_cancel,
    test_order_create,
    test_order_receive_sample,
    test_order_receive_sample_for_lab,
    test_order_report,
    test_order_report_for_lab,
    test_order_send_sample,
)
from .inspection import finding_add, finding_close, inspection_cancel, inspection_complete, inspection_plan
from .surveillance import (
    surveillance_cancel_open,
    surveillance_complete,
    surveillance_plan_next,
    surveillance_start,
)

__all__ = [
    "TEST_ORDER_NUMBER_TEMPLATE",
    "decision_make",
    "evaluation_cancel_open",
    "evaluation_complete",
    "evaluation_gaps",
    "evaluation_reopen",
    "evaluation_start",
    "finding_add",
    "finding_close",
    "grant_blockers",
    "inspection_cancel",
    "inspection_complete",
    "inspection_plan",
    "review_complete",
    "reviewer_assign",
    "surveillance_cancel_open",
    "surveillance_complete",
    "surveillance_plan_next",
    "surveillance_start",
    "test_order_cancel",
    "test_order_create",
    "test_order_receive_sample",
    "test_order_receive_sample_for_lab",
    "test_order_report",
    "test_order_report_for_lab",
    "test_order_send_sample",
]
