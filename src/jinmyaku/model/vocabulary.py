"""The model's words: the codes every layer uses for origins, causes, cohorts and ledgers.

A tie's *origin* is how it was made; its *cause* is how it ended (``alive``
while it lasts). Codes are positions in these tuples and are what the
kernels, the ledgers and the results files store.
"""

from __future__ import annotations

ORIGINS: tuple[str, ...] = (
    "family_school",
    "workplace",
    "mixer",
    "meetup",
    "activity",
    "referral",
)
FAMILY_SCHOOL, WORKPLACE, MIXER, MEETUP, ACTIVITY, REFERRAL = range(6)
ORIGIN_CODE = {name: code for code, name in enumerate(ORIGINS)}

# The built-in strategies (scenario.py's defaults): what a focal cohort is told to do with
# its hours. A scenario may define others; these are the ones every face knows by name.
STRATEGIES: tuple[str, ...] = (
    "passive",
    "mixer",
    "meetup",
    "grow",
    "grow+meetup",
)

CAUSES: tuple[str, ...] = ("alive", "decayed", "displaced", "left")
ALIVE, DECAYED, DISPLACED, LEFT = range(4)

BACKGROUND = -1  # cohort code of people outside the focal cohorts
CLOSEST = 5  # "you are the average of the five people closest to you"

# The tie ledger: one row per tie ever made (death -1 and cause "alive" while it lasts).
TIE_LEDGER_COLUMNS = ("uid", "a", "b", "origin", "birth", "death", "cause", "weight",
                      "peak_weight", "last_interaction", "value", "contacts",
                      "calls")
# The opportunity ledger: one row per delivered opportunity, in the order it happened.
OPPORTUNITY_LEDGER_COLUMNS = ("step", "holder", "recipient", "topic", "hops", "origin",
                              "value", "tie")
