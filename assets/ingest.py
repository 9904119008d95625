"""One ingest asset per extract: raw/<name>/ -> landing.<name> (+ its files and quarantine)."""

import polars as pl
from dagster import (
    AssetCheckResult,
    AssetCheckSeverity,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    MaterializeResult,
    MetadataValue,
    multi_asset,
)

from assets.progress import say
from assets.resources import ClausesSettings
from pipeline import french
from pipeline.extracts.kinds import EXTRACTS, Extract
from pipeline.extracts.raw import LINE_COLUMN
from pipeline.ingest.assembly import Previous, ingest
from pipeline.ingest.fingerprints import landing_fingerprint, raw_contents
from pipeline.settings import Settings
from pipeline.timing import stage
from pipeline.warehouse.database import (
    count_rows,
    read_column,
    read_table,
    stored_fingerprints,
    values_digest,
    write_landing_tables,
)
from pipeline.warehouse.key_guard import check_key
from pipeline.warehouse.lock import warehouse_lock


def _checks(name: str) -> list[AssetCheckSpec]:
    key = AssetKey(["landing", name])
    return [
        AssetCheckSpec(
            "lignes_reconciliees",
            asset=key,
            blocking=True,
            description="Pour chaque fichier : lignes lues = chargées + quarantaine + en attente.",
        ),
        AssetCheckSpec(
            "lignes_non_chargees",
            asset=key,
            description="Lignes mises en quarantaine et fichiers rejetés (signalés, non bloquants).",
        ),
    ]


def _say(name: str, nb_files: int, rejected: pl.DataFrame, counts: tuple, unchanged: bool, appended: bool) -> None:
    # The same words and numbers as the summary's table: loaded counts the rows a later file replaced since.
    n = french.format_number
    read, loaded, replaced, quarantined, waiting = counts
    say(
        f"  {name} : {n(nb_files)} fichiers ({n(rejected.height)} rejetés), "
        f"{n(read)} lignes lues : {n(loaded)} chargées (dont {n(replaced)} "
        f"remplacées depuis), {n(quarantined)} en quarantaine, {n(waiting)} en attente"
        + (" (inchangé)" if unchanged else "")
        + (" (lignes des nouveaux fichiers ajoutées aux précédentes)" if appended else "")
    )
    for chemin, motif in rejected.select("chemin", "motif").iter_rows():
        say(f"    [yellow]fichier rejeté[/yellow] {chemin} : {motif}")


def _report(
    name: str, files: pl.DataFrame, quarantine: pl.DataFrame, loaded_rows: int, unchanged: bool, appended: bool = False
) -> MaterializeResult:
    unbalanced = files.filter(
        pl.col("lignes_lues") != pl.col("lignes_chargees") + pl.col("lignes_quarantaine") + pl.col("lignes_en_attente")
    )
    rejected = files.filter(pl.col("statut") == "REJETE")
    by_rule = quarantine.group_by("regle", "statut").len().sort("len", descending=True)
    read, loaded, replaced, quarantined, waiting = (
        int(files[c].sum() or 0)
        for c in ("lignes_lues", "lignes_chargees", "lignes_remplacees", "lignes_quarantaine", "lignes_en_attente")
    )
    _say(name, files.height, rejected, (read, loaded, replaced, quarantined, waiting), unchanged, appended)
    return MaterializeResult(
        metadata={
            "fichiers": files.height,
            "fichiers_rejetes": rejected.height,
            "lignes_lues": read,
            "lignes_chargees": loaded,
            "lignes_remplacees": replaced,
            "lignes_en_base": loaded_rows,
            "lignes_quarantaine": quarantined,
            "lignes_en_attente": waiting,
            "inchange": unchanged,
            "ajout_seul": appended,
        },
        check_results=[
            AssetCheckResult(
                check_name="lignes_reconciliees",
                passed=unbalanced.height == 0,
                metadata={"fichiers_non_reconcilies": unbalanced.height},
            ),
            AssetCheckResult(
                check_name="lignes_non_chargees",
                passed=quarantined + waiting + rejected.height == 0,
                severity=AssetCheckSeverity.WARN,
                metadata={
                    "lignes_quarantaine": quarantined,
                    "lignes_en_attente": waiting,
                    "fichiers_rejetes": rejected.height,
                    "par_regle": MetadataValue.md(
                        "\n".join(f"- {r} ({s}) : {n}" for r, s, n in by_rule.iter_rows()) or "aucune"
                    ),
                    "motifs_de_rejet": MetadataValue.md(
                        "\n".join(f"- `{c}` : {m}" for c, m in rejected.select("chemin", "motif").iter_rows())
                        or "aucun"
                    ),
                },
            ),
        ],
    )


def _ingest_and_write(extract: Extract, settings: Settings) -> MaterializeResult:
    """Ingest raw/<extract>/ into the build database, unless its landing tables were built from the same inputs."""
    db, name = settings.build_db, extract.name
    check_key(settings)  # before anything is written under a key the warehouse was not built with
    with warehouse_lock(settings.warehouse_dir):
        stored = stored_fingerprints(db).get(name)
        contents = raw_contents(extract, settings)
        known_digest = values_digest(db, [r.known_sql for r in extract.references])
        fingerprint = landing_fingerprint(extract, settings, known_digest, contents)
        if stored == fingerprint and not settings.complet:
            files = read_table(db, f"select * from landing.{name}_fichiers")
            quarantine = read_table(db, f"select * from landing.{name}_quarantaine")
            return _report(name, files, quarantine, count_rows(db, f"landing.{name}"), unchanged=True)
        known = {r.column: read_column(db, r.known_sql) for r in extract.references}
        previous = _previous(extract, settings, stored, known_digest, contents)
        result = ingest(extract, settings, known, previous)
        # Now that every file is in the cache, with the latest date it holds: the as-of date may play no part.
        fingerprint = landing_fingerprint(extract, settings, known_digest, contents)
        with stage("chargement"):
            tables = {name: result.loaded, f"{name}_fichiers": result.files, f"{name}_quarantaine": result.quarantine}
            appended = frozenset({name} if result.appended else ())
            write_landing_tables(db, "landing", tables, fingerprint=(name, fingerprint), appended=appended)
        loaded_rows = count_rows(db, f"landing.{name}")
    return _report(name, result.files, result.quarantine, loaded_rows, unchanged=False, appended=result.appended)


def _previous(
    extract: Extract, settings: Settings, stored: str | None, known_digest: str, contents: list[tuple[str, str]]
) -> Previous | None:
    """The landing tables of the earlier run, when they were built from the first of today's files under the same
    code, key, known values and an as-of date that loads those files the same: the new files may then only add
    rows (`assembly._appended` decides). None otherwise, or for a full rebuild."""
    db, name = settings.build_db, extract.name
    if stored is None or settings.complet or not extract.statement:
        return None
    files = read_table(db, f"select * from landing.{name}_fichiers")
    if not 0 < files.height < len(contents):
        return None
    if landing_fingerprint(extract, settings, known_digest, contents[: files.height]) != stored:
        return None
    held = read_table(
        db,
        f"select ligne as {LINE_COLUMN}, colonne, regle, valeur, chemin as fichier "
        f"from landing.{name}_quarantaine where statut = 'EN_ATTENTE'",
    )
    columns = read_table(db, f"select * from landing.{name} limit 0").columns
    return Previous(files=files, held=held, columns=columns)


def raw_folder(extract: Extract) -> AssetSpec:
    """Where the lineage starts: the folder the senders drop their files in (not materialised by us)."""
    return AssetSpec(
        ["raw", extract.name],
        group_name="depots",
        description=f"Le dossier raw/{extract.name}/ : {extract.label}, déposés par {extract.sender}. "
        "Chaque fichier y est lu à chaque passage ; le capteur depot_dans_raw lance un passage à chaque dépôt.",
    )


def ingest_asset(extract: Extract):
    """One ingest step per extract; it writes three tables, one asset key each (dbt sources)."""
    name = extract.name
    raw = AssetKey(["raw", name])
    specs = [
        AssetSpec(
            ["landing", name],
            group_name="ingestion",
            description=extract.description,
            deps=[raw, *(AssetKey(["landing", u]) for u in extract.upstream)],
        ),
        AssetSpec(
            ["landing", f"{name}_fichiers"],
            group_name="ingestion",
            description=f"Une ligne par fichier de raw/{name}/ : lu, chargé ou rejeté, et ses comptes de lignes.",
            deps=[raw],
        ),
        AssetSpec(
            ["landing", f"{name}_quarantaine"],
            group_name="ingestion",
            description=f"Les lignes de raw/{name}/ non chargées : règle, colonne, valeur (masquée si personnelle).",
            deps=[raw],
        ),
    ]

    @multi_asset(name=f"ingest_{name}", specs=specs, check_specs=_checks(name))
    def _ingest(context: AssetExecutionContext, settings: ClausesSettings):
        result = _ingest_and_write(extract, settings.get())
        yield MaterializeResult(asset_key=["landing", name], metadata=result.metadata)
        yield MaterializeResult(asset_key=["landing", f"{name}_fichiers"])
        yield MaterializeResult(asset_key=["landing", f"{name}_quarantaine"])
        yield from result.check_results

    return _ingest


RAW_FOLDERS = [raw_folder(extract) for extract in EXTRACTS]
INGEST_ASSETS = [ingest_asset(extract) for extract in EXTRACTS]
