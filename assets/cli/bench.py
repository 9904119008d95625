"""The benchmark: demo extracts at growing volumes, the full run on each, and the floor no pipeline can beat.

    python -m assets.cli.bench                      # 1x, 10x, 100x and 10 million hour rows (about 25 minutes)
    python -m assets.cli.bench --scales 1,10 --no-10m
    python -m assets.cli.bench --write docs/benchmarks.md

Each run happens in a fresh process (`clauses run` as the CLI does it, recorded in Dagster), twice: the second time
with no new file (timed as a whole process); then a later night, the as-of date moved, with one new monthly
timesheet of 20,000 rows (what a nightly run costs once a warehouse is published). Once, a run over empty extracts
gives the fixed cost every run pays whatever its volume (imports, Dagster's run and events, dbt's start and its
nodes, the exports), the floor under any night. Peak memory is the largest
resident set of the run's process tree (dbt runs inside it), sampled every 0.2 s. The floors are one DuckDB pass
over every file the run reads (fastexcel for the XLSX ones), then over its CSV files only, that computes the yearly
hours and counts the other rows: what reading the files once costs, with no rule applied.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from assets.cli.processes import descendants, resident_bytes
from pipeline import french
from pipeline.extracts.kinds import EXTRACTS, HEURES
from pipeline.settings import PROJECT_ROOT
from pipeline.timing import BUSY, STAGES

AS_OF = dt.date(2026, 11, 25)
NIGHT = dt.date(2026, 12, 5)  # a later night, when December's timesheets arrive
NIGHT_ROWS = 20_000  # the new monthly timesheet of that night (fewer where the volume has fewer in a month)
KEY = "cle-du-benchmark-qui-ne-protege-rien"
HOURS_ROWS_AT_1X = 17_000  # measured on the demo (seed 13): scale for 10 M rows = 10e6 / this


def _env(root: Path, as_of: dt.date = AS_OF) -> dict[str, str]:
    return {
        **os.environ,
        "CLAUSES_RAW_DIR": str(root / "raw"),
        "CLAUSES_WAREHOUSE_DIR": str(root / "warehouse"),
        "CLAUSES_EXPORT_DIR": str(root / "exports"),
        "DAGSTER_HOME": str(root / "dagster"),
        "CLAUSES_AS_OF": as_of.isoformat(),
        "CLAUSES_PSEUDONYM_KEY": KEY,
    }


def _child(args: list[str], root: Path, as_of: dt.date = AS_OF) -> dict:
    """Run `python -m assets.cli.bench <args> <root>` in a fresh process; sample the memory of its process tree."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:  # files: a full pipe would block it
        proc = subprocess.Popen(
            [sys.executable, "-m", "assets.cli.bench", *args, str(root)],
            env=_env(root, as_of),
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=err,
            text=True,
        )
        peak, started = 0, time.perf_counter()
        while proc.poll() is None:
            peak = max(peak, resident_bytes(descendants(proc.pid)))
            time.sleep(0.2)
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"échec de {' '.join(args)} sur {root} :\n{err.read()[-3000:]}")
        wall = round(time.perf_counter() - started, 2)  # the whole process, as `time clauses run` would show it
        return {**json.loads(out.read().strip().splitlines()[-1]), "memoire_max_mo": round(peak / 2**20),
                "processus_s": wall}  # fmt: skip


def one_run(root: Path) -> dict:
    """In this (fresh) process: one full run, its wall time per stage, its peak memory."""
    start = time.perf_counter()
    from pipeline.settings import load_settings
    from pipeline.timing import PEAK_AFTER, TIMES, peak_mb
    from pipeline.warehouse.freshness import already_published

    settings = load_settings()
    if settings.complet or not already_published(settings):  # as `clauses run` decides, before Dagster and dbt
        from assets.cli.runner import run_once

        outcome = run_once(settings, trigger="bench")
        if not outcome.success:
            raise SystemExit(outcome.reason)
    wall = time.perf_counter() - start
    return {
        "total_s": round(wall, 2),
        **{s: round(TIMES.get(s, 0.0), 2) for s in STAGES},
        "autre": round(wall - TIMES.get(BUSY, 0.0), 2),
        "memoire_python_mo": peak_mb(),
        "pic_apres_mo": dict(PEAK_AFTER),
    }


def floor(root: Path, csv_only: bool = False) -> dict:
    """One DuckDB pass over every file the run reads (fastexcel for the XLSX ones), or over its CSV files only:
    the yearly hours from the timesheets, the row count of the other extracts. No rule, no replacement, no
    pseudonym."""
    start = time.perf_counter()
    import duckdb
    import fastexcel

    con = duckdb.connect()
    scratch = tempfile.mkdtemp()
    rows, hours = 0, []
    for extract in EXTRACTS:
        kind = extract.name
        parts = []
        folder = root / "raw" / kind
        for number, path in enumerate(sorted(folder.iterdir()) if folder.is_dir() else []):  # plans: often none
            if csv_only and path.suffix != ".csv":
                continue
            if path.suffix == ".json":  # DECP v2: the records of its list of contracts
                rows += con.sql(
                    f"select len(marches.marche) from read_json('{path}', maximum_object_size=1e9)"
                ).fetchall()[0][0]
            elif path.suffix == ".xlsx":
                table = fastexcel.read_excel(path.read_bytes()).load_sheet(0, dtypes="string").to_arrow()
                con.register(f"{kind}{number}", table)
                parts.append(f"select * from {kind}{number}")
            else:
                data = path.read_bytes()
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError:  # DuckDB reads no cp1252 without an extension to download
                    path = Path(scratch) / f"{kind}{number}.csv"
                    path.write_bytes(data.decode("cp1252", errors="replace").encode("utf-8"))
                parts.append(
                    f"select * from read_csv('{path}', all_varchar=true, null_padding=true, ignore_errors=true)"
                )
        union = " union all by name ".join(parts)
        if not parts:
            continue
        if extract is not HEURES:  # the floor sums the timesheets' hours, and counts the other rows
            rows += con.sql(f"select count(*) from ({union})").fetchall()[0][0]
            continue
        hours = con.execute(f"""
            with h as ({union})
            select year(coalesce(try_strptime("Période", '%m/%Y'), try_strptime("Période", '%Y-%m'))) as annee,
                   sum(try_cast(replace("Nb heures", ',', '.') as double)) as heures, count(*) as lignes
            from h group by all order by all""").fetchall()
    shutil.rmtree(scratch)
    return {
        "total_s": round(time.perf_counter() - start, 2),
        "lignes": sum(r[2] for r in hours),
        "lignes_toutes_extractions": rows + sum(r[2] for r in hours),
    }


def _fixed_cost(root: Path) -> dict:
    """A run over empty extracts, in a fresh process: what any run pays whatever its volume."""
    shutil.rmtree(root, ignore_errors=True)
    for extract in EXTRACTS:
        (root / "raw" / extract.name).mkdir(parents=True)
    try:
        return _child(["--one"], root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _night_drop(root: Path) -> int:
    """December's timesheet of the largest facilitator: the first NIGHT_ROWS rows of its November, restated for
    December, written as a facilitator would (cp1252, semicolons), dated that night. Returns its rows."""
    import polars as pl

    month = f"{AS_OF.month:02d}/{AS_OF.year}"
    for source in sorted((root / "raw" / "heures").glob("*.csv"), key=lambda p: -p.stat().st_size):
        frame = pl.read_csv(source.read_bytes().decode("cp1252").encode(), separator=";", infer_schema=False)
        november = frame.filter(pl.col("Période") == month).head(NIGHT_ROWS)
        if november.height:
            break
    december = november.with_columns(pl.lit(f"{NIGHT.month:02d}/{NIGHT.year}").alias("Période"))
    target = root / "raw" / "heures" / f"{NIGHT.isoformat()}_{source.name.split('_')[1]}_heures_decembre.csv"
    target.write_bytes(december.write_csv(separator=";").encode("cp1252"))
    night = dt.datetime.combine(NIGHT, dt.time(6)).timestamp()
    os.utime(target, (night, night))
    return december.height


def _generate(root: Path, scale: float) -> tuple[int, float]:
    from pipeline.demo.draw import generate

    start = time.perf_counter()
    summary = generate(root / "raw", seed=13, years=(2022, 2026), scale=scale, as_of=AS_OF)
    return summary.heures, time.perf_counter() - start


def _machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import dbt.version
    import duckdb
    import polars

    return (
        f"{cpu}, {os.cpu_count()} cœurs, {memory:.0f} Gio ; Python {platform.python_version()}, "
        f"duckdb {duckdb.__version__}, polars {polars.__version__}, dbt-core {dbt.version.__version__}"
    )


TABLE_HEAD = (
    "| volume | lignes d'heures | 1er passage (s) | lecture | validation | chargement | dbt | publication | exports "
    "| autre¹ | 2e passage, rien de neuf (s)³ | 2e / 1er | plancher DuckDB (s) | 1er / plancher "
    "| plancher CSV seuls (s) | 1er / plancher CSV | mémoire max (Mo)² | dont Python (Mo) |"
)


def _table(rows: list[dict]) -> str:
    lines = [TABLE_HEAD, "|" + "---|" * (TABLE_HEAD.count("|") - 1)]
    for r in rows:
        first, second, floor_, csv = r["premier"], r["second"], r["plancher"], r["plancher_csv"]
        cells = [
            r["volume"],
            french.format_number(r["lignes"]),
            *(french.format_number(first[s], 1) for s in ("total_s", *STAGES, "autre")),
            french.format_number(second["processus_s"], 1),
            f"{french.format_number(100 * second['processus_s'] / first['processus_s'])} %",
            french.format_number(floor_["total_s"], 1),
            french.format_number(first["total_s"] / floor_["total_s"], 1),
            french.format_number(csv["total_s"], 1),
            french.format_number(first["total_s"] / csv["total_s"], 1),
            french.format_number(max(first["memoire_max_mo"], second["memoire_max_mo"])),
            french.format_number(first["memoire_python_mo"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


NIGHT_HEAD = (
    "| volume publié | nouveau relevé (lignes) | passage de la nuit (s) | lecture | validation | chargement | dbt "
    "| publication | exports | autre¹ | nuit / 1er passage | au-delà du coût fixe (s)⁴ | mémoire max (Mo)² |"
)


def _night_table(rows: list[dict], fixed: dict) -> str:
    """The night after: the warehouse of each volume published, then one new monthly timesheet, the date moved;
    and what it costs beyond a run over empty extracts (the part a faster graph of incremental models can cut)."""
    lines = [NIGHT_HEAD, "|" + "---|" * (NIGHT_HEAD.count("|") - 1)]
    for r in rows:
        night = r["nuit"]
        cells = [
            r["volume"],
            french.format_number(r["lignes_nuit"]),
            *(french.format_number(night[s], 1) for s in ("total_s", *STAGES, "autre")),
            f"{french.format_number(100 * night['processus_s'] / r['premier']['processus_s'])} %",
            french.format_number(night["total_s"] - fixed["total_s"], 1),
            french.format_number(night["memoire_max_mo"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


FIXED_HEAD = (
    "| passage sur des extractions vides (s) | processus entier (s) | lecture | validation | chargement | dbt "
    "| publication | exports | autre¹ | mémoire max (Mo)² |"
)


def _fixed_table(fixed: dict) -> str:
    cells = [
        *(french.format_number(fixed[s], 1) for s in ("total_s", "processus_s", *STAGES, "autre")),
        french.format_number(fixed["memoire_max_mo"]),
    ]
    return "\n".join([FIXED_HEAD, "|" + "---|" * (FIXED_HEAD.count("|") - 1), "| " + " | ".join(cells) + " |"])


def run_benchmark(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m assets.cli.bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="multiples of the Département (défaut : 1,10,100)")
    parser.add_argument("--no-10m", action="store_true", help="sans le passage à 10 millions de lignes d'heures")
    parser.add_argument("--work", type=Path, default=Path("/tmp/clauses-bench"), help="dossier de travail (effacé)")
    parser.add_argument("--write", type=Path, help="écrit le tableau dans ce fichier Markdown (docs/benchmarks.md)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--floor", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--csv-only", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("root", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one or args.floor:
        print(json.dumps(one_run(args.root) if args.one else floor(args.root, args.csv_only)))
        return

    plan = [(f"{s}×", float(s)) for s in args.scales.split(",") if s]
    if not args.no_10m:
        plan.append(("10 M lignes", round(10_000_000 / HOURS_ROWS_AT_1X)))
    fixed = _fixed_cost(args.work / "vide")
    print(json.dumps({"cout_fixe": fixed}), flush=True)
    rows = []
    for label, scale in plan:
        root = args.work / label.replace(" ", "_").replace("×", "x")
        shutil.rmtree(root, ignore_errors=True)
        lines, generation = _generate(root, scale)
        print(f"{label} : {lines:,} lignes d'heures générées en {generation:.0f} s", flush=True)
        first = _child(["--one"], root)
        second = _child(["--one"], root)
        bare = _child(["--floor"], root)
        csv = _child(["--floor", "--csv-only"], root)
        dropped = _night_drop(root)
        night = _child(["--one"], root, as_of=NIGHT)
        rows.append({"volume": label, "lignes": lines, "premier": first, "second": second, "plancher": bare,
                     "plancher_csv": csv, "nuit": night, "lignes_nuit": dropped})  # fmt: skip
        print(json.dumps(rows[-1]), flush=True)
        shutil.rmtree(root, ignore_errors=True)
    table = (
        f"{_table(rows)}\n\nLa nuit suivante ({NIGHT:%d/%m/%Y}) :\n\n{_night_table(rows, fixed)}\n\n"
        f"Le coût fixe d'un passage (des extractions vides : le même graphe, rien à lire) :\n\n{_fixed_table(fixed)}"
    )
    machine = _machine()
    print(f"\n{machine}\n\n{table}")
    if args.write:
        text = args.write.read_text(encoding="utf-8") if args.write.exists() else ""
        start, end = "<!-- bench:debut -->", "<!-- bench:fin -->"
        block = f"{start}\nMesuré le {dt.date.today():%d/%m/%Y} sur : {machine}.\n\n{table}\n{end}"
        text = text.split(start)[0] + block + text.split(end)[1] if start in text else text + "\n" + block + "\n"
        args.write.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    run_benchmark()
