"""Numbers written the French way, one home for every text that shows one (report, terminal, demo, bench).

A narrow no-break space between thousands (U+202F, what the Imprimerie nationale recommends; the demo's
spreadsheets use U+00A0 as Excel does), a decimal comma, a space before the per cent sign.
"""

from __future__ import annotations

import polars as pl

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"
MISSING = "—"


def format_number(value: float | None, decimals: int = 0, thousands: str = NARROW_NBSP) -> str:
    """`1234.5` -> `1 234,5`; None -> `—`."""
    if value is None:
        return MISSING
    return f"{value:,.{decimals}f}".replace(",", thousands).replace(".", ",")


def format_percent(value: float | None, decimals: int = 0) -> str:
    """`0.456` -> `46 %`; None -> `—`."""
    return MISSING if value is None else f"{format_number(value * 100, decimals)}{NARROW_NBSP}%"


def format_range(low: float | None, high: float | None, n: int | None = None) -> str:
    """An outcome rate as it may be read: `0.637, 0.808, 3078` -> `64–81 % (n = 3 078)`; one value when both
    ends round alike; `—` without exits (n = 0)."""
    if low is None or high is None or n == 0:
        return MISSING
    ends = [format_number(v * 100) for v in (low, high)]
    shown = ends[0] if ends[0] == ends[1] else "–".join(ends)
    return f"{shown}{NARROW_NBSP}%" + (f" {_sample_size(n)}" if n else "")


def format_rate_interval(rate: float | None, low: float | None, high: float | None, n: int | None) -> str:
    """A rate with its 95 % interval and its denominator: `77 % [75–78 %] (n = 2 552)`."""
    if rate is None or not n:
        return MISSING
    return f"{format_percent(rate)} [{format_range(low, high)}] {_sample_size(n)}"


def _sample_size(n: int) -> str:
    """`(n = 3 078)`, with no-break spaces: a narrow column or a phone never breaks it after « n »."""
    return f"(n{NBSP}={NBSP}{format_number(n)})"


def format_euros(value: float | None) -> str:
    return MISSING if value is None else f"{format_number(value)} €"


def format_decimal_comma(expr: pl.Expr, decimals: int = 1) -> pl.Expr:
    """The column-wise `1234.5` -> `1234,5` (no thousands separator, no trailing `,0`): a spreadsheet's cell."""
    return expr.round(decimals).cast(pl.String).str.replace(r"\.0$", "").str.replace(".", ",", literal=True)


def write_excel_csv(text: pl.DataFrame, path) -> None:
    """A table as French Excel opens it with a double click: UTF-8 with a BOM, `;` between cells."""
    with open(path, "wb") as out:
        out.write(b"\xef\xbb\xbf")
        text.write_csv(out, separator=";")
