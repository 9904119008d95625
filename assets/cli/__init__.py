"""`clauses`: demo extracts, one full run, the Dagster UI, a plan's review, the generated docs."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path
from typing import Annotated

import typer

from assets.cli.processes import descendants, kill
from assets.progress import console, say
from pipeline.settings import PROJECT_ROOT, SettingsError, load_settings

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Entrepôt d'impact de la clause sociale d'insertion.",
)


def _settings():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            settings = load_settings()
        except SettingsError as exc:
            _fail(str(exc))
    for w in caught:
        say(f"[yellow]attention[/yellow] : {w.message}")
    return settings


def _fail(reason: str, code: int = 1):
    console.print(f"[red]échec[/red] : {reason}")
    raise typer.Exit(code)


def _years(value: str) -> tuple[int, int]:
    try:
        first, _, last = value.partition("-")
        return int(first), int(last or first)
    except ValueError:
        raise typer.BadParameter("attendu : 2022-2026") from None


@app.command()
def demo(
    out: Annotated[Path | None, typer.Option(help="dossier de sortie (par défaut : CLAUSES_RAW_DIR)")] = None,
    seed: Annotated[int, typer.Option(help="graine : mêmes fichiers pour la même graine")] = 13,
    years: Annotated[str, typer.Option(help="années couvertes, ex. 2022-2026")] = "2022-2026",
    scale: Annotated[float, typer.Option(help="multiplie le volume (benchmarks)")] = 1.0,
):
    """Écrit des extractions de démonstration réalistes (marches, heures, participants)."""
    from pipeline.demo.draw import generate

    settings = _settings()
    target = out or settings.raw_dir
    summary = generate(target, seed=seed, years=_years(years), scale=scale, as_of=settings.as_of)
    say(
        f"{summary.files} fichiers écrits dans {target} : {summary.marches} marchés, "
        f"{summary.participants} participants, {summary.heures} lignes d'heures"
    )


def _raw_is_empty(raw_dir: Path) -> bool:
    return (
        not any(p.is_file() and p.name.lower() != "readme.md" for p in raw_dir.rglob("*")) if raw_dir.exists() else True
    )


def _built_from_real_extracts(settings) -> bool:
    """The published warehouse was built under a key of its own, not the public demo key."""
    from pipeline.settings import DEMO_PSEUDONYM_KEY
    from pipeline.warehouse.key_guard import key_fingerprint, published_key_fingerprint

    built_with = published_key_fingerprint(settings.published_db)
    return built_with is not None and built_with != key_fingerprint(DEMO_PSEUDONYM_KEY)


def _ensure_manifest() -> None:
    from assets.dbt_manifest import DBT_PROJECT_DIR

    if not (DBT_PROJECT_DIR / "target" / "manifest.json").exists():
        dbt = str(Path(sys.executable).with_name("dbt"))
        subprocess.run(
            [dbt, "parse", "--quiet", "--profiles-dir", ".", "--project-dir", "."],
            cwd=DBT_PROJECT_DIR,
            check=True,
        )


@app.command()
def run(
    demo_if_empty: Annotated[
        bool, typer.Option(help="écrit des extractions de démonstration si raw/ est vide")
    ] = False,
    complet: Annotated[
        bool, typer.Option("--complet", help="relit chaque fichier et reconstruit tout, même ce qui n'a pas changé")
    ] = False,
):
    """Un passage complet : ingestion, entrepôt, contrôles, publication, exports."""
    started = time.monotonic()
    if complet:  # through the environment: the run's Dagster resource reads its settings from there
        os.environ["CLAUSES_COMPLET"] = "oui"
    settings = _settings()
    if not settings.raw_dir.is_dir():  # a typo in CLAUSES_RAW_DIR must not publish an empty (or demo) warehouse
        _fail(f"le dossier des dépôts {settings.raw_dir} n'existe pas (CLAUSES_RAW_DIR) : rien n'est lu ni publié")
    if demo_if_empty and _raw_is_empty(settings.raw_dir):
        if _built_from_real_extracts(settings):
            _fail(f"{settings.raw_dir} est vide, mais l'entrepôt publié vient d'extractions réelles : pas de données "
                  "de démonstration par-dessus ; rien n'est écrit ni publié")  # fmt: skip
        say(f"raw/ est vide : extractions de démonstration écrites dans {settings.raw_dir}")
        demo(out=None, seed=13, years="2022-2026", scale=1.0)
    from assets.cli.summary import print_summary
    from pipeline.warehouse.freshness import already_published

    if already_published(settings) and not settings.complet:
        say("rien de nouveau depuis le dernier passage publié (fichiers, code, réglages) : rien n'est refait")
        print_summary(settings, time.monotonic() - started, "")
        return
    _ensure_manifest()
    from assets.cli.runner import run_once

    say(f"passage du {settings.as_of.isoformat()} : raw = {settings.raw_dir}")
    outcome = run_once(settings)
    from pipeline.exports.alerts import after_run

    # Runs of the schedule and the sensor alert through Dagster's run-status sensors (assets/automation.py).
    after_run(settings, outcome.success, outcome.reason, outcome.run_id, "clauses run")
    if not outcome.success:
        run = f" (run {outcome.run_id[:8]})" if outcome.run_id else ""
        _fail(f"{outcome.reason} — l'entrepôt et les exports publiés sont inchangés{run}")
    print_summary(settings, time.monotonic() - started, outcome.run_id)


def _interrupt(signum, frame):
    raise KeyboardInterrupt


@app.command()
def ui(port: Annotated[int, typer.Option(help="port d'écoute, sur 127.0.0.1")] = 3000):
    """L'interface Dagster (lignage, runs, contrôles, planification, capteur) avec son démon."""
    settings = _settings()
    _ensure_manifest()
    from assets.cli.instance import ensure_dagster_home

    ensure_dagster_home(settings)
    dagster = str(Path(sys.executable).with_name("dagster"))
    cmd = [dagster, "dev", "-h", "127.0.0.1", "-p", str(port), "-w", str(PROJECT_ROOT / "workspace.yaml")]
    say(f"interface Dagster : http://127.0.0.1:{port}  (Ctrl-C pour arrêter)")
    # Its own process group: `dagster dev` ignores SIGTERM otherwise, so the whole group is stopped.
    proc = subprocess.Popen(cmd, cwd=PROJECT_ROOT, env=os.environ.copy(), start_new_session=True)
    # Ctrl-C, a closed terminal (SIGHUP) and a service manager (SIGTERM) all stop the whole tree: each becomes an
    # exception here, and the loop (not a blocking wait) lets it be raised at once, whatever a library did to SIGINT.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _interrupt)
    try:
        while proc.poll() is None:
            time.sleep(0.2)
        raise typer.Exit(proc.returncode)
    except KeyboardInterrupt:
        pass
    finally:
        # Its whole tree, noted while it is alive: a worker of a code server may live in a group of its own.
        tree = descendants(proc.pid)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=3)  # then killed: the whole tree is gone within 5 s
        with contextlib.suppress(ProcessLookupError):  # its code servers outlive it otherwise
            os.killpg(proc.pid, signal.SIGKILL)
        kill(tree)


SERVICES = {"demon": ("dagster-daemon", "run"), "interface": ("dagster-webserver", "-h", "127.0.0.1", "-p", "3000")}


@app.command()
def service(
    which: Annotated[str, typer.Argument(help="demon (planification, capteur) ou interface (sur 127.0.0.1:3000)")],
):
    """Ce que lance une unité systemd (docs/exploitation.md) : le démon Dagster ou son interface.

    DAGSTER_HOME est rendu absolu (le démon refuse un chemin relatif, celui de `.env` l'est) et son dagster.yaml
    écrit s'il manque ; puis le programme de Dagster prend la place de celui-ci, signaux compris."""
    if which not in SERVICES:
        raise typer.BadParameter(f"attendu : {' ou '.join(SERVICES)}")
    settings = _settings()
    _ensure_manifest()
    from assets.cli.instance import ensure_dagster_home

    ensure_dagster_home(settings)
    program, *arguments = SERVICES[which]
    path = str(Path(sys.executable).with_name(program))
    os.chdir(PROJECT_ROOT)
    os.execv(path, [path, *arguments, "-w", str(PROJECT_ROOT / "workspace.yaml")])


@app.command()
def docs():
    """Régénère le dictionnaire des données, les requêtes du guide des analystes et les modèles d'extraction."""
    from pipeline.exports.dictionary import data_dictionary, with_example_queries, write_templates

    settings = _settings()
    published = settings.warehouse_dir / "clauses.duckdb"
    if not published.exists():
        _fail(f"pas d'entrepôt publié dans {published} : lancez d'abord `clauses run`")
    (PROJECT_ROOT / "docs" / "dictionnaire_donnees.md").write_text(data_dictionary(published), encoding="utf-8")
    written = write_templates(PROJECT_ROOT / "docs" / "modeles")
    guide = PROJECT_ROOT / "docs" / "analystes.md"
    queries = sorted((PROJECT_ROOT / "docs" / "requetes").glob("*.sql"))
    guide.write_text(with_example_queries(guide.read_text(encoding="utf-8"), queries), encoding="utf-8")
    say(f"docs/dictionnaire_donnees.md et {len(written)} modèles dans docs/modeles/")


@app.command()
def bilan(
    plan: Annotated[
        str | None, typer.Option(help="le plan : « 2023-2026 » ou son nom ; par défaut, le plan en cours")
    ] = None,
):
    """Le bilan d'un plan (SPASER) : ses engagements et leur verdict, sa trajectoire, ce que les données ne disent
    pas ; un classeur et une page imprimable dans exports/bilans/."""
    from pipeline.exports.data import UnknownPlan, find_plan, load_export_data
    from pipeline.exports.review import write_review

    settings = _settings()
    if not settings.published_db.exists():
        _fail(f"pas d'entrepôt publié dans {settings.published_db} : lancez d'abord `clauses run`")
    try:
        chosen = find_plan(settings.published_db, plan)
    except UnknownPlan as exc:
        _fail(str(exc))
    data = load_export_data(settings.published_db, settings.as_of, settings.heures_etp, settings.secret_min, chosen)
    for path in write_review(data, settings.export_dir / "bilans"):
        say(f"écrit : {path}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        _fail("interrompu", 130)
