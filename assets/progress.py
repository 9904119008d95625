"""What a run shows on the terminal: short lines, never a personal value (only counts and file paths)."""

from __future__ import annotations

import sys

from rich.console import Console

# Written to a file or a journal (not a terminal), a line stays whole: rich would cut it at 80 columns.
console = Console(stderr=True, highlight=False, soft_wrap=not sys.stderr.isatty())


def say(message: str) -> None:
    console.print(message)
