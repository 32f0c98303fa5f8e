"""Report runs: execute the analysis notebooks with papermill in one process, export
offline HTML, publish each run folder atomically and keep an index of runs.

Modules, one concern each:
- `params`: parameter resolution and validation (notebooks call it in their validation cell)
- `metrics`: `write_metrics`, the headline figures a notebook hands to the runner
- `inspect`: read and type-check the parameters of notebooks before any work
- `runner`: a run as a short sequence of the steps below (docs/architecture.md)
  - `plan`: select the notebooks, check every value, read the store, build the RunPlan
  - `execute`: the thread pool, one notebook's execution and HTML export, SIGTERM as Ctrl-C
  - `kernels`: the run's kernels (stderr to a log, the key in their environment, killed on interrupt)
  - `collect`: the notebooks' figures merged into metrics.json; the exit status
  - `manifest`: the evidence pack, built from typed inputs
  - `publish`: the hidden temp folder, the atomic rename, the index, clearing dead runs
- `html`: export executed notebooks to self-contained HTML
- `index`: the run index (reports/index.html)
- `failon`: the `--fail-on` threshold grammar
- `schedule`: named jobs from reports.toml
- `commands`: the click commands `run` and `demo`
"""
