"""Notebooks are committed clean, so diffs stay reviewable and executed copies live only
in reports/; and each one is parameterised the way the runner expects."""

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))
COMMON_PARAMETERS = ("db_path", "as_of", "k", "metrics_path", "chart_renderer")


def test_there_are_notebooks():
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    dirty = [i for i, c in enumerate(nb.cells)
             if c.cell_type == "code" and (c.outputs or c.execution_count is not None)]
    assert not dirty, f"{path.name}: cells {dirty} carry outputs; strip them before committing"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_then_validation(path):
    nb = nbformat.read(path, as_version=4)
    tagged = [i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{path.name}: {len(tagged)} cells tagged 'parameters', want 1"
    source = nb.cells[tagged[0]].source
    missing = [p for p in COMMON_PARAMETERS if f"{p} =" not in source]
    assert not missing, f"{path.name}: parameters cell lacks {missing}"
    following = nb.cells[tagged[0] + 1]
    assert following.cell_type == "code" and "validate" in following.source, (
        f"{path.name}: the cell after the parameters must validate them before any work"
    )


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_nbval_markers_are_cell_tags_not_comments(path):
    """nbval reads `nbval-ignore-output` (and the other markers) from cell tags, so the code
    an analyst reads carries no test marker."""
    nb = nbformat.read(path, as_version=4)
    commented = [i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "NBVAL_" in c.source]
    assert not commented, f"{path.name}: cells {commented} carry a '# NBVAL_...' comment; tag the cell instead"
