"""The mapping tables of data/fides/mapping.yaml (fideslang data uses, data categories, data
subjects, legal bases, transfer mechanisms), read by the Fides export/import and, for the
categories of data subjects, by the RoPA."""

from __future__ import annotations

from pathlib import Path

import yaml

MAPPING = Path(__file__).resolve().parents[3] / "data" / "fides" / "mapping.yaml"


def load_mapping(path: str | Path = MAPPING) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
