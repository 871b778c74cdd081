"""Console output shared by all commands: JSON for scripts, Rich tables for people.

Everything the CLI prints through Rich goes through the consoles made here, and much of it
is text a user or a partner controls: file contents quoted in an error, ids, paths, column
names, titles. These consoles therefore interpret neither Rich markup nor emoji codes —
``[/x]``, ``[a-z]``, ``[rating]`` and ``:x:`` print as written, in messages, table cells and
titles alike. Where the CLI wants colour it passes ``style=`` to ``print`` or builds a
:class:`rich.text.Text`, never a markup string.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table


def _console(file: TextIO) -> Console:
    # a pipe or a file gets wide tables instead of Rich's 80-column default
    width = None if file.isatty() else 200
    return Console(file=file, soft_wrap=True, width=width, markup=False, emoji=False)


def stdout() -> Console:
    return _console(sys.stdout)


def stderr() -> Console:
    return _console(sys.stderr)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    t = Table(title=title, show_lines=False, title_justify="left")
    for c in columns:
        t.add_column(str(c), overflow="fold")
    for r in rows:
        t.add_row(*("" if v is None else str(v) for v in r))
    return t


@contextmanager
def progress_bar(label: str, *, enabled: bool) -> Iterator[Any]:
    """Yields ``update(done, total)``; draws on stderr so stdout stays parseable."""
    if not enabled:
        yield lambda done, total: None
        return
    with Progress(TextColumn("{task.description}", markup=False), BarColumn(),
                  TaskProgressColumn(),
                  TimeElapsedColumn(), console=stderr(), transient=True) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
