"""One ingest asset per extract kind: raw/<kind>/ -> landing.<kind> (+ its files and quarantine)."""

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

from assets.lock import warehouse_lock
from assets.progress import say
from pipeline.ingest import ingest, kind_fingerprint
from pipeline.settings import load_settings
from pipeline.timing import stage
from pipeline.warehouse import count_rows, read_column, read_table, stored_fingerprints, write_tables


def _checks(kind: str) -> list[AssetCheckSpec]:
    key = AssetKey(["landing", kind])
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


def _report(
    kind: str, files: pl.DataFrame, quarantine: pl.DataFrame, loaded_rows: int, unchanged: bool
) -> MaterializeResult:
    unbalanced = files.filter(
        pl.col("lignes_lues") != pl.col("lignes_chargees") + pl.col("lignes_quarantaine") + pl.col("lignes_en_attente")
    )
    rejected = files.filter(pl.col("statut") == "REJETE")
    by_rule = quarantine.group_by("regle", "statut").len().sort("len", descending=True)
    quarantined = int(files["lignes_quarantaine"].sum() or 0)
    waiting = int(files["lignes_en_attente"].sum() or 0)
    say(
        f"  {kind:<13} {files.height:>4} fichiers ({rejected.height} rejetés)  "
        f"{loaded_rows:>9} lignes chargées  {quarantined:>6} en quarantaine  {waiting:>6} en attente"
        + ("  (inchangé)" if unchanged else "")
    )
    for chemin, motif in rejected.select("chemin", "motif").iter_rows():
        say(f"    [yellow]fichier rejeté[/yellow] {chemin} : {motif}")
    return MaterializeResult(
        metadata={
            "fichiers": files.height,
            "fichiers_rejetes": rejected.height,
            "lignes_chargees": loaded_rows,
            "lignes_quarantaine": quarantined,
            "lignes_en_attente": waiting,
            "inchange": unchanged,
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


UPSTREAM_KINDS = ("marches", "participants")  # the hours' held rows depend on them


def _ingest_and_write(kind: str, **known) -> MaterializeResult:
    """Ingest raw/<kind>/ into the build database, unless its landing tables were built from the same inputs."""
    settings = load_settings()
    db = settings.build_db
    with warehouse_lock(settings.warehouse_dir):
        stored = stored_fingerprints(db)
        upstream = "|".join(stored.get(k, "") for k in UPSTREAM_KINDS) if known else ""
        fingerprint = kind_fingerprint(kind, settings, upstream)
        if stored.get(kind) == fingerprint:
            files = read_table(db, f"select * from landing.{kind}_fichiers")
            quarantine = read_table(db, f"select * from landing.{kind}_quarantaine")
            return _report(kind, files, quarantine, count_rows(db, f"landing.{kind}"), unchanged=True)
        if known:
            known = {name: read_column(db, sql) for name, sql in known.items()}
        result = ingest(kind, settings, **known)
        with stage("chargement"):
            write_tables(
                db,
                "landing",
                {kind: result.loaded, f"{kind}_fichiers": result.files, f"{kind}_quarantaine": result.quarantine},
                fingerprint=(kind, fingerprint),
            )
        loaded_rows = count_rows(db, f"landing.{kind}")
    return _report(kind, result.files, result.quarantine, loaded_rows, unchanged=False)


def _ingest_asset(kind: str, description: str, deps=(), **known):
    """One ingest step per extract kind; it writes three tables, one asset key each (dbt sources)."""
    specs = [
        AssetSpec(["landing", kind], group_name="ingestion", description=description, deps=deps),
        AssetSpec(
            ["landing", f"{kind}_fichiers"],
            group_name="ingestion",
            description=f"Une ligne par fichier de raw/{kind}/ : lu, chargé ou rejeté, et ses comptes de lignes.",
        ),
        AssetSpec(
            ["landing", f"{kind}_quarantaine"],
            group_name="ingestion",
            description=f"Les lignes de raw/{kind}/ non chargées : règle, colonne, valeur (masquée si personnelle).",
        ),
    ]

    @multi_asset(name=f"ingest_{kind}", specs=specs, check_specs=_checks(kind))
    def _ingest(context: AssetExecutionContext):
        result = _ingest_and_write(kind, **known)
        yield MaterializeResult(asset_key=["landing", kind], metadata=result.metadata)
        yield MaterializeResult(asset_key=["landing", f"{kind}_fichiers"])
        yield MaterializeResult(asset_key=["landing", f"{kind}_quarantaine"])
        yield from result.check_results

    return _ingest


landing_marches = _ingest_asset(
    "marches", "raw/marches/ (extraction du Département, DECP JSON/XML) lu, validé, chargé dans landing.marches."
)
landing_participants = _ingest_asset(
    "participants", "raw/participants/ lu, validé et pseudonymisé à l'entrée (nom, prénom, naissance jamais conservés)."
)
landing_heures = _ingest_asset(
    "heures",
    "raw/heures/ lu et validé ; les lignes dont le marché ou le participant est inconnu sont mises en attente.",
    deps=[AssetKey(["landing", "marches"]), AssetKey(["landing", "participants"])],
    known_marches="select id_marche from landing.marches",
    known_parcours="select parcours_id from landing.participants",
)

INGEST_ASSETS = [landing_marches, landing_participants, landing_heures]
