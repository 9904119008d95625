"""The real graph on the hand-computed fixture (tests/hand_fixture.py: what it holds, line by line): every
kpi_annuel and kpi_spaser figure is worked out by hand below."""

from __future__ import annotations

import duckdb
import pytest

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def warehouse(fixture_root):
    con = duckdb.connect(str(fixture_root / "warehouse" / "clauses.duckdb"), read_only=True)
    yield con
    con.close()


def _row(con, sql):
    cursor = con.execute(sql)
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=False))


def test_years_are_those_with_data(warehouse):
    # 2025 has no contract, no hour and no exit; 2026 has P2's exit.
    assert [r[0] for r in warehouse.execute("select annee from marts.kpi_annuel order by 1").fetchall()] == [
        2023,
        2024,
        2026,
    ]


def _pnad(known: int, social: int, known_amount: float, social_amount: float) -> dict:
    """The six columns of the national indicator (docs/indicateurs.md), and its environmental twin: the fixture's
    extract has no environmental column, so none of its contracts has known environmental considerations."""
    return {
        "nb_marches_considerations_environnementales_connues": 0,
        "nb_marches_consideration_environnementale": 0,
        "part_marches_consideration_environnementale": None,
        "nb_marches_considerations_connues": known,
        "nb_marches_consideration_sociale": social,
        "part_marches_consideration_sociale": social / known if known else None,
        "montant_marches_considerations_connues_ht": known_amount,
        "montant_marches_consideration_sociale_ht": social_amount,
        "part_montant_consideration_sociale": social_amount / known_amount if known_amount else None,
    }


Z = 1.959963984540054


def _wilson(x: int, n: int, side: int) -> float | None:
    """The 95 % Wilson score bound (side -1: low, +1: high) of x among n, as any statistics handbook gives it."""
    if not n:
        return None
    p = x / n
    centre, half = p + Z**2 / (2 * n), Z * (p * (1 - p) / n + Z**2 / (4 * n**2)) ** 0.5
    return (centre + side * half) / (1 + Z**2 / n)


def _outcomes(n: int, pending: int, unknown: int, durable: int, transition: int, positive: int) -> dict:
    """Every outcome column from the counts (docs/indicateurs.md): each rate among known situations with its
    interval, the range from D / N to (D + U) / N, and that range widened by its intervals."""
    known = n - unknown
    out = {"nb_sortants": n, "nb_sortants_en_attente": pending, "nb_sortants_situation_connue": known,
           "nb_sortants_situation_inconnue": unknown, "taux_situation_connue": known / n if n else None}  # fmt: skip
    counts = {"emploi_durable": durable, "emploi_transition": transition, "sortie_positive": positive,
              "sorties_dynamiques": durable + transition + positive}  # fmt: skip
    for name, d in counts.items():
        out |= {
            f"nb_{name}": d,
            f"taux_{name}": d / known if known else None,
            f"taux_{name}_ic_bas": _wilson(d, known, -1),
            f"taux_{name}_ic_haut": _wilson(d, known, +1),
            f"taux_{name}_bas": d / n if n else None,
            f"taux_{name}_haut": (d + unknown) / n if n else None,
            f"taux_{name}_fourchette_ic_bas": _wilson(d, n, -1),
            f"taux_{name}_fourchette_ic_haut": _wilson(d + unknown, n, +1),
        }
    return out


def test_kpi_annuel_2023(warehouse):
    k = _row(warehouse, "select * from marts.kpi_annuel where annee = 2023")
    expected = {
        "nb_marches": 3,
        "montant_marches_ht": 250_000 + 500_000 + 100_000,
        "nb_marches_eligibles": 2,  # M1 and M2: BTP from 200 000 €
        "nb_marches_eligibles_avec_clause": 1,
        "taux_couverture_clause": 1 / 2,
        "nb_marches_clause": 2,
        "montant_marches_clause_ht": 250_000 + 100_000,  # M1, M3
        "nb_marches_clause_services": 1,
        "nb_marches_clause_prestations_intellectuelles": 0,
        "nb_marches_critere_social": 1,
        "part_marches_critere_social": 1 / 3,
        "nb_marches_reserves": 1,
        "montant_marches_reserves_ht": 100_000,
        "heures_prevues": 700 + 300,
        "heures_realisees": 100 + 120 + 150 + 80 + 80,
        "etp": 530 / 1607,
        "nb_mois_couverts": 12,
        "etp_annuel_moyen": 530 / 1607,  # a whole year: its ETP-years
        "nb_participants": 3,
        "nb_nouveaux_participants": 3,
        "nb_employeurs": 2,
        "nb_marches_actifs": 2,
        "part_femmes": 1 / 3,
        "part_moins_26_ans": 1 / 3,
        "part_50_ans_et_plus": 1 / 3,
        "part_qpv": 1 / 3,
        "part_brsa": 1 / 3,
        "part_deld": 1 / 3,
        "part_rqth": 1 / 3,
        "part_jeunes_sans_qualification": 1 / 3,
        # P3 (unknown) and P6's first episode (lasting job): one known of two observable exits.
        **_outcomes(n=2, pending=0, unknown=1, durable=1, transition=0, positive=0),
        "taux_realisation_marches_acheves": None,  # no clause contract ended in 2023
        # The national indicator: M1 (clause), M2 (criterion), M3 (clause, reserved), all from 40 000 €.
        **_pnad(3, 3, 850_000, 850_000),
    }
    assert k == pytest.approx({"annee": 2023, **expected})


def test_kpi_annuel_2024(warehouse):
    k = _row(warehouse, "select * from marts.kpi_annuel where annee = 2024")
    expected = {
        "nb_marches": 3,
        "montant_marches_ht": 80_000 + 150_000 + 40_000,
        "nb_marches_eligibles": 0,
        "nb_marches_eligibles_avec_clause": 0,
        "taux_couverture_clause": None,
        "nb_marches_clause": 1,
        "montant_marches_clause_ht": 80_000,
        "nb_marches_clause_services": 1,
        "nb_marches_clause_prestations_intellectuelles": 1,
        "nb_marches_critere_social": 1,
        "part_marches_critere_social": 1 / 3,
        "nb_marches_reserves": 1,
        "montant_marches_reserves_ht": 40_000,
        "heures_prevues": 100,
        "heures_realisees": 50 + 40 + 100 + 20,
        "etp": 210 / 1607,
        "nb_mois_couverts": 12,
        "etp_annuel_moyen": 210 / 1607,
        "nb_participants": 2,  # P1 (through P1 and Z1) and P2
        "nb_nouveaux_participants": 0,
        "nb_employeurs": 2,
        "nb_marches_actifs": 3,  # M1, M3, M4
        "part_femmes": 1 / 2,
        "part_moins_26_ans": 1 / 2,
        "part_50_ans_et_plus": 0.0,
        "part_qpv": 1 / 2,
        "part_brsa": 1 / 2,
        "part_deld": 1 / 2,
        "part_rqth": 0.0,
        "part_jeunes_sans_qualification": 1 / 2,
        # P1 (CDI), P4 (training), P5 once (his later exit, F1's: unknown), P6's re-entry (job seeker).
        **_outcomes(n=4, pending=0, unknown=1, durable=1, transition=0, positive=1),
        "taux_realisation_marches_acheves": (520 + 200) / (700 + 300),
        # M4 (clause), M5 (criterion), M6 (reserved, 40 000 €: the threshold counts in).
        **_pnad(3, 3, 270_000, 270_000),
    }
    assert k == pytest.approx({"annee": 2024, **expected})


def test_kpi_annuel_2026_only_a_pending_exit(warehouse):
    k = _row(
        warehouse,
        "select nb_marches, heures_realisees, nb_participants, nb_sortants, nb_sortants_en_attente, "
        "taux_situation_connue, part_femmes from marts.kpi_annuel where annee = 2026",
    )
    assert k == {
        "nb_marches": 0,
        "heures_realisees": 0,
        "nb_participants": 0,
        "nb_sortants": 0,
        "nb_sortants_en_attente": 1,
        "taux_situation_connue": None,
        "part_femmes": None,
    }


def test_kpi_spaser_is_distinct_over_the_period(warehouse):
    k = _row(warehouse, "select * from marts.kpi_spaser")
    expected = {
        "nb_marches": 6,
        "montant_marches_ht": 1_120_000,
        "nb_marches_eligibles": 2,
        "nb_marches_eligibles_avec_clause": 1,
        "taux_couverture_clause": 0.5,
        "nb_marches_clause": 3,
        "montant_marches_clause_ht": 430_000,
        "nb_marches_clause_services": 2,
        "nb_marches_clause_prestations_intellectuelles": 1,
        "nb_marches_critere_social": 2,
        "part_marches_critere_social": 2 / 6,
        "nb_marches_reserves": 2,
        "montant_marches_reserves_ht": 140_000,
        "heures_prevues": 1100,
        "heures_realisees": 740,
        "etp": 740 / 1607,
        # 1 January 2023 to 25 November 2026: 46 months and 25 days of November's 30
        "nb_mois_couverts": 46.8,
        "etp_annuel_moyen": 740 / 1607 * 12 / 46.8,
        "nb_participants": 3,  # not 3 + 2: distinct over the period
        "nb_nouveaux_participants": 3,
        "nb_employeurs": 2,
        "nb_marches_actifs": 3,
        "part_femmes": 1 / 3,
        "part_moins_26_ans": 1 / 3,
        "part_50_ans_et_plus": 1 / 3,
        "part_qpv": 1 / 3,
        "part_brsa": 1 / 3,
        "part_deld": 1 / 3,
        "part_rqth": 1 / 3,
        "part_jeunes_sans_qualification": 1 / 3,
        # Exits counted once per person and year: P6 twice (2023 and 2024), P5 once; P2 still pending.
        **_outcomes(n=6, pending=1, unknown=2, durable=2, transition=0, positive=1),
        "taux_realisation_marches_acheves": 720 / 1000,
        **_pnad(6, 6, 1_120_000, 1_120_000),
    }
    got = {k2: v for k2, v in k.items() if k2 not in ("periode", "periode_debut", "periode_fin")}
    assert got == pytest.approx(expected)
    assert str(k["periode_debut"]) == "2023-01-01" and str(k["periode_fin"]) == "2026-11-25"


def test_marche_execution(warehouse):
    rows = warehouse.execute(
        "select id_marche, heures_prevues, heures_realisees, taux_realisation, statut "
        "from marts.marche_execution order by 1"
    ).fetchall()
    assert rows == [
        ("M1", 700, 520, pytest.approx(520 / 700), "ACHEVE_OBJECTIF_NON_ATTEINT"),
        ("M3", 300, 200, pytest.approx(200 / 300), "ACHEVE_OBJECTIF_NON_ATTEINT"),
        ("M4", 100, 20, pytest.approx(0.2), "EN_COURS"),
    ]


def test_kpi_impact_heures_bands(warehouse):
    # Observable exits, one per person and year: under 150 h P4, P5 (unknown) and P6's two exits, all without hours;
    # in 150-449 h P3 (160 h, unknown) and P1 (270 h on the F4 path she left, known).
    rows = warehouse.execute(
        "select tranche_heures, nb_sortants, nb_sortants_situation_connue from marts.kpi_impact_heures "
        "where perimetre = 'TOUTES_ANNEES' order by ordre_tranche"
    ).fetchall()
    assert rows == [("< 150 h", 4, 3), ("150-449 h", 2, 1), ("450-899 h", 0, 0), (">= 900 h", 0, 0)]


def test_kpi_territoire_and_modalites(warehouse):
    f1 = _row(
        warehouse,
        "select heures_realisees, nb_participants, nb_marches_clause, nb_sortants "
        "from marts.kpi_territoire where annee = 2023 and facilitateur = 'F1'",
    )
    assert f1 == {"heures_realisees": 160, "nb_participants": 1, "nb_marches_clause": 1, "nb_sortants": 2}  # P3, P6
    modalites = dict(
        warehouse.execute("select modalite, part_heures from marts.kpi_modalites where annee = 2023").fetchall()
    )
    assert modalites == pytest.approx(
        {"EMBAUCHE_DIRECTE": 220 / 530, "INTERIM_INSERTION": 150 / 530, "MISE_A_DISPOSITION": 160 / 530}
    )


def test_quality_tables_account_for_every_row(warehouse):
    rows = warehouse.execute(
        "select sum(lignes_lues), sum(lignes_chargees), sum(lignes_quarantaine), "
        "sum(lignes_en_attente) from qualite.qualite_fichiers"
    ).fetchone()
    assert rows == (6 + 10 + 9, 6 + 10 + 9, 0, 0)


def test_no_personal_value_in_the_warehouse(warehouse):
    text = " ".join(
        str(v)
        for t in warehouse.execute("select table_schema, table_name from information_schema.tables").fetchall()
        for row in warehouse.execute(f'select * from "{t[0]}"."{t[1]}"').fetchall()
        for v in row
    )
    for value in ("Lefèvre", "LEFEVRE", "Éloïse", "Durand", "Karim", "1990-05-12", "12/05/1990", "P1", "Z1"):
        assert value not in text.split() and f" {value} " not in f" {text} "


def test_dbt_unit_tests_pass(fixture_root, tmp_path):
    """The dbt unit tests (fixed inputs, so left out of the nightly run) are run here, on a copy of the built
    fixture: dbt reads the column types of each tested model's parents from the warehouse."""
    import json
    import shutil

    from conftest import project_env

    from assets.dbt_inprocess import preparsed_manifest, run_dbt

    shutil.copytree(fixture_root / "warehouse", tmp_path / "warehouse")
    with project_env(tmp_path) as settings:
        shutil.copy(settings.published_db, settings.candidate_db)
        args = ["--select", "test_type:unit", "--vars", json.dumps(settings.dbt_vars())]
        result = run_dbt("test", args, tmp_path / "dbt", preparsed_manifest())
    unit_tests = [e["data"] for e in result.events if e["data"]["node_info"]["unique_id"].startswith("unit_test.")]
    assert result.success, result.failures
    assert len(unit_tests) == 16 and {e["status"] for e in unit_tests} == {"pass"}


def test_a_re_entry_keeps_its_first_exit_and_a_corrected_entry_replaces_its_episode(warehouse):
    # P6: episode 1 (2023), a re-entry on 2024-01-15 that the later file corrects to 2024-01-20 with its exit.
    rows = warehouse.execute(
        "select episode, date_entree, date_sortie from marts.dim_parcours "
        "where date_entree in ('2023-02-01', '2024-01-15', '2024-01-20') order by episode"
    ).fetchall()
    assert [(e, str(a), str(s)) for e, a, s in rows] == [
        (1, "2023-02-01", "2023-06-30"),
        (2, "2024-01-20", "2024-03-31"),
    ]
    replaced = warehouse.execute(
        "select chemin, lignes_remplacees from qualite.qualite_fichiers where lignes_remplacees > 0"
    ).fetchall()
    assert replaced == [("participants/2024_F1.csv", 1)]


def test_a_person_on_two_paths_is_one_exit_but_counts_with_each_facilitator(warehouse):
    annuel = warehouse.execute("select nb_sortants from marts.kpi_annuel where annee = 2024").fetchone()[0]
    by_facilitator = dict(
        warehouse.execute("select facilitateur, nb_sortants from marts.kpi_territoire where annee = 2024").fetchall()
    )
    # P5 left F4 (CDI) and, as Z5, F1 (unknown): one exit of the year, one path exit at each facilitator.
    assert annuel == 4 and by_facilitator["F4"] == 3 and by_facilitator["F1"] == 2


def test_outcomes_by_public_add_up_to_the_period_along_every_dimension(warehouse):
    sums = warehouse.execute(
        "select p.periode, p.dimension, sum(p.nb_sortants), sum(p.nb_sortants_situation_inconnue), "
        "sum(p.nb_sorties_dynamiques), any_value(a.nb_sortants), any_value(a.nb_sortants_situation_inconnue), "
        "any_value(a.nb_sorties_dynamiques) from marts.kpi_sorties_publics as p "
        "inner join (select cast(annee as varchar) as periode, * from marts.kpi_annuel) as a using (periode) "
        "group by all"
    ).fetchall()
    assert len(sums) == 3 * 11  # 2023, 2024 and 2026 (P2, still pending), eleven dimensions each
    assert all(row[2:5] == row[5:8] for row in sums), sums
    sexes = warehouse.execute(
        "select valeur, nb_sortants from marts.kpi_sorties_publics "
        "where periode = '2024' and dimension = 'sexe' order by valeur"
    ).fetchall()
    assert sexes == [("F", 2), ("M", 2)]  # P1 and P4; P5 and P6
