"""Report runs: execute the analysis notebooks with papermill in one process, export
offline HTML, publish each run folder atomically and keep an index of runs.

Modules, one concern each:
- `params`: parameter resolution and validation (notebooks call it in their validation cell)
- `metrics`: `write_metrics`, the headline figures a notebook hands to the runner
- `privacy`: small-cell suppression and pseudonymisation for shared HTML
- `inspect`: read and type-check the parameters of notebooks before any work
- `runner`: execute a run and publish its folder
- `html`: export executed notebooks to self-contained HTML
- `index`: the run index (reports/index.html)
- `failon`: the `--fail-on` threshold grammar
- `schedule`: named jobs from reports.toml
- `commands`: the click commands `run` and `demo`
"""
