"""What the elected officials receive: a workbook, a one-page report, and one CSV and Parquet per KPI table.

Everything is written into a new folder under exports/.sets/, then the dated link
(`exports/<as-of>`) and `exports/latest` are swapped onto it atomically: a reader never sees a half set,
and a killed run leaves the previous set untouched.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import polars as pl

from pipeline import french
from pipeline.exports import labels, secrecy
from pipeline.exports.data import ExportData, begun_plans, load_export_data
from pipeline.exports.report import write_report
from pipeline.exports.returns import write_returns
from pipeline.exports.review import write_review
from pipeline.exports.workbook import contract_list_name, write_contract_list, write_workbook
from pipeline.settings import Settings

# -- CSV and Parquet --------------------------------------------------------------------------------
DECIMALS = {"rate": 4, "target": 4, "etp": 2, "hours": 2, "euros": 2}  # by labels.unit; other floats: 2


def _csv_cell(frame: pl.DataFrame, name: str) -> pl.Expr:
    """One column as French Excel reads it: `1234,5`, `0,7879`, dates in ISO, VRAI/FAUX, text never a formula."""
    dtype = frame.schema[name]
    if dtype.is_float() or dtype.is_decimal():
        decimals = DECIMALS.get(labels.unit(name), 2)
        return french.format_decimal_comma(pl.col(name).cast(pl.Float64), decimals).alias(name)
    if dtype == pl.Boolean:
        return pl.col(name).replace_strict({True: "VRAI", False: "FAUX"}, return_dtype=pl.String).alias(name)
    if dtype == pl.String:
        return secrecy.safe_text_expr(name)
    return pl.col(name).cast(pl.String)


def write_csv_and_parquet(data: ExportData, folder: Path) -> None:
    for name, frame in data.tables.items():
        masked = secrecy.shown(frame)
        masked.with_columns(secrecy.hidden_names(frame)).write_parquet(folder / f"{name}.parquet")
        text = masked.select(_csv_cell(masked, c) for c in masked.columns)
        for column, mask in secrecy.masks(frame).items():
            text = text.with_columns(pl.when(mask).then(pl.lit(secrecy.SECRET)).otherwise(column).alias(column))
        french.write_excel_csv(text, folder / f"{name}.csv")


# -- the set, swapped in atomically -----------------------------------------------------------------
def _swap_link(link: Path, target: Path) -> None:
    tmp = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(os.path.relpath(target, link.parent))
    os.replace(tmp, link)


def publish_exports(settings: Settings) -> Path:
    """Write a complete set, then point `<as-of>` and `latest` at it. Returns the set's folder."""
    as_of, export_dir, threshold = settings.as_of, settings.export_dir, settings.secret_min
    data = load_export_data(settings.published_db, as_of, settings.heures_etp, threshold)
    sets = export_dir / ".sets"
    sets.mkdir(parents=True, exist_ok=True)
    stamp = f"{as_of.isoformat()}_{time.strftime('%Y%m%dT%H%M%S')}_{os.getpid()}"
    building = sets / f".{stamp}.partiel"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir()
    write_workbook(data, building / f"indicateurs_spaser_{as_of.isoformat()}.xlsx")
    write_contract_list(data, building / contract_list_name(as_of))
    write_report(data, building / f"rapport_spaser_{as_of.isoformat()}.html")
    write_csv_and_parquet(data, building)
    write_returns(settings.published_db, building / "retours", as_of)
    for plan, _, ended in begun_plans(settings.published_db):
        if ended:  # a plan over: its review comes with every set (outcomes still settle 6 months on)
            write_review(load_export_data(settings.published_db, as_of, settings.heures_etp, threshold, plan),
                         building / "bilans")  # fmt: skip
    final = sets / stamp
    os.replace(building, final)
    dated = export_dir / as_of.isoformat()
    if dated.exists() and not dated.is_symlink():
        shutil.rmtree(dated)
    _swap_link(dated, final)
    _swap_link(export_dir / "latest", final)
    _prune(sets, export_dir)
    return final


def _prune(sets: Path, export_dir: Path) -> None:
    """Remove the sets no link points to any more, and the partial sets of runs that are no longer alive."""
    live = {p.resolve() for p in export_dir.iterdir() if p.is_symlink()}
    for folder in sets.iterdir():
        partial_of_a_live_run = folder.name.endswith(".partiel") and _alive(folder.name.rsplit("_", 1)[-1])
        if folder.resolve() not in live and not partial_of_a_live_run:
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid_and_suffix: str) -> bool:
    """Whether the process that names a partial set (…_<pid>.partiel) is still running."""
    pid = pid_and_suffix.removesuffix(".partiel")
    if not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, under another account
        return True
    return int(pid) != os.getpid()  # ours is the set being finished, never a leftover
