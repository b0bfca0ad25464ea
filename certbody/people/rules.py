"""Constants of the assignment rules that models, engine and services share. It imports none of them: the models
need the labels, and importing the engine from the models would tie every model import to the engine."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

# The most a setting may open to a two-person override: scope. Personnel record, role authorisation, registration,
# declaration, conflicts and independence are never overridable, whatever the setting says.
CAN_BE_OVERRIDDEN = frozenset({"authorised_scope", "lab_scope"})


RULE_LABELS = {
    "personnel": gettext_lazy("personnel record"),
    "authorised_role": gettext_lazy("authorisation for the role"),
    "authorised_scope": gettext_lazy("authorisation scope"),
    "registration": gettext_lazy("CCAA registration"),
    "declaration": gettext_lazy("yearly declaration"),
    "conflict": gettext_lazy("conflict of interest"),
    "independence": gettext_lazy("independence from the evaluation"),
    "lab_scope": gettext_lazy("laboratory scope"),
    "lab_conflict": gettext_lazy("laboratory conflict of interest"),
}


def rule_labels(codes) -> list[str]:
    return [str(RULE_LABELS.get(code, code)) for code in codes]
