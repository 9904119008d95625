"""What a run shows on the terminal: short lines, never a personal value (only counts and file paths)."""

from __future__ import annotations

from rich.console import Console

console = Console(stderr=True, highlight=False)


def say(message: str) -> None:
    console.print(message)
