"""Progress of long work (`build`, `run`): live on a terminal, silent without one.

On a terminal (stdout and stderr both a TTY) a live display on stderr shows:
- `build`: each step (the policy, then each table being loaded, then writing the store)
  with its elapsed time; finished steps stay listed with theirs;
- `run`: a row per notebook: waiting / running / ok / failed, its elapsed time, and the
  section (the notebook's last Markdown heading reached) that is running.

Without a terminal (cron, systemd, a pipe) nothing is shown while the work goes on; the
command prints only its final lines (the per-notebook results and the summary of a run,
the table counts of a build). `live=` overrides the detection (tests).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Callable


def on_terminal() -> bool:
    """Both streams on a terminal: with stdout sent to a file, the final lines go there and
    nothing live is drawn."""
    return sys.stdout.isatty() and sys.stderr.isatty()


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _elapsed_column():
    """Elapsed time to a tenth of a second (rich's own column shows whole seconds); it
    stops when the step or notebook is done."""
    from rich.progress import ProgressColumn
    from rich.text import Text

    from rich.table import Column

    class Elapsed(ProgressColumn):
        def __init__(self):
            super().__init__(table_column=Column(no_wrap=True, min_width=8))

        def render(self, task):
            seconds = task.finished_time if task.finished else task.elapsed
            return Text("" if seconds is None else f"{seconds:6.1f} s", style="progress.elapsed")

    return Elapsed()


class BuildProgress:
    """The steps of a build, each told by `step(message)` (the store's `echo` callback)."""

    def __init__(self, live: bool | None = None):
        self.live = on_terminal() if live is None else live
        self._bar = None
        self._task = None

    def __enter__(self) -> "BuildProgress":
        if self.live:
            from rich.progress import Progress, SpinnerColumn, TextColumn

            self._bar = Progress(SpinnerColumn(finished_text="[green]done"), TextColumn("{task.description}"),
                                 _elapsed_column(), console=_console())
            self._bar.start()
        return self

    def step(self, message: str) -> None:
        if self._bar is None:
            return
        self._finish_step()
        self._task = self._bar.add_task(message, total=1)

    def _finish_step(self) -> None:
        if self._task is not None:
            self._bar.update(self._task, completed=1)
            self._task = None

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            if exc[0] is None:
                self._finish_step()
            self._bar.stop()


def section_of(cell) -> str | None:
    """The heading a Markdown cell opens (its first '#' line, without the '#'), else None."""
    if cell.get("cell_type") != "markdown":
        return None
    for line in str(cell.get("source", "")).splitlines():
        if line.lstrip().startswith("#"):
            return line.strip().lstrip("#").strip() or None
    return None


class RunProgress:
    """A run's notebooks. `started(name)`, `section(name, heading)` and `finished(name,
    status, line)` may come from any thread. Finished lines are echoed as they come on a
    terminal (rich prints them above the live rows), and held until `close()` without
    one: the final lines."""

    def __init__(self, names: list[str], echo: Callable[[str], None], live: bool | None = None):
        self.live = on_terminal() if live is None else live
        self.echo = echo
        self._names = list(names)
        self._lock = threading.Lock()
        self._held: list[str] = []
        self._bar = None
        self._tasks: dict[str, int] = {}
        self._t0: dict[str, float] = {}

    def __enter__(self) -> "RunProgress":
        if self.live:
            from rich.progress import Progress, SpinnerColumn, TextColumn

            from rich.table import Column

            # The section takes what width is left, cut with an ellipsis: a narrow terminal
            # must not squeeze the elapsed time away.
            self._bar = Progress(SpinnerColumn(finished_text=" "),
                                 TextColumn("{task.description}", table_column=Column(no_wrap=True)),
                                 TextColumn("{task.fields[status]:<8}", table_column=Column(no_wrap=True)),
                                 _elapsed_column(),
                                 TextColumn("[dim]{task.fields[section]}",
                                            table_column=Column(ratio=1, no_wrap=True, overflow="ellipsis")),
                                 console=_console(), expand=True)
            for name in self._names:
                # start=False: the clock starts when the notebook does
                self._tasks[name] = self._bar.add_task(name, total=1, start=False, status="waiting", section="")
            self._bar.start()
        return self

    def started(self, name: str) -> None:
        with self._lock:
            self._t0[name] = time.monotonic()
            if self._bar is not None:
                self._bar.start_task(self._tasks[name])
                self._bar.update(self._tasks[name], status="running")

    def section(self, name: str, heading: str) -> None:
        if self._bar is not None:
            with self._lock:
                self._bar.update(self._tasks[name], section=heading)

    def finished(self, name: str, status: str, line: str) -> None:
        with self._lock:
            if self._bar is not None:
                self._bar.update(self._tasks[name], status=status, section="", completed=1)
                self.echo(line)
            else:
                self._held.append(line)

    def close(self) -> None:
        """Stop the live rows; without a terminal, print the held final lines."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        with self._lock:
            held, self._held = self._held, []
        for line in held:
            self.echo(line)

    def __exit__(self, *exc) -> None:
        self.close()

    def cell_hook(self, name: str):
        """An nbclient `on_cell_start` hook (papermill passes it through) that follows the
        notebook's sections as its cells start."""
        def on_cell_start(cell, cell_index, **_):
            heading = section_of(cell)
            if heading:
                self.section(name, heading)
        return on_cell_start
