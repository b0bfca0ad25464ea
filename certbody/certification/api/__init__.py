"""REST endpoints for evaluation (7.4), review (7.5), decision (7.6) and surveillance (7.9)."""

from ninja import Router

from . import evaluation, inspections, orders, surveillance

router = Router()
router.add_router("", evaluation.router)
router.add_router("", orders.router)
router.add_router("", inspections.router)
router.add_router("", surveillance.router)
