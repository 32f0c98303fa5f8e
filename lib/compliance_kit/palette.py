"""The one colour-blind-safe palette of the kit: Okabe-Ito (Okabe & Ito 2008, "Color
Universal Design"), distinguishable under the common colour-vision deficiencies.

Card statuses: good (bluish green), warn (orange), bad (vermillion), none (grey); no two
alike. Charts (compliance_kit.charts) and pages (compliance_kit.reports.style) both take
their colours from here, so a card and a bar that mean the same thing look the same.
"""

from __future__ import annotations

# Okabe-Ito, by name.
OKABE_ITO = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
}
GREY = "#999999"
LIGHT_GREY = "#CCCCCC"

# Card / badge statuses.
STATUS = {
    "good": OKABE_ITO["bluish_green"],
    "warn": OKABE_ITO["orange"],
    "bad": OKABE_ITO["vermillion"],
    "none": GREY,
}
STATUS_WORDS = {"good": "on track", "warn": "watch", "bad": "needs action", "none": "no threshold"}

# Categorical colours for charts with no status meaning (request types, recipients...):
# the Okabe-Ito order, then greys. Blue first: the kit's neutral series colour.
CATEGORICAL = [
    OKABE_ITO["blue"], OKABE_ITO["orange"], OKABE_ITO["bluish_green"], OKABE_ITO["vermillion"],
    OKABE_ITO["reddish_purple"], OKABE_ITO["sky_blue"], OKABE_ITO["yellow"], OKABE_ITO["black"],
    GREY, LIGHT_GREY,
]
SERIES = OKABE_ITO["blue"]  # one-series charts and sparklines

