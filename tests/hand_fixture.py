"""The hand-computed fixture: small extracts whose every kpi_annuel and kpi_spaser figure is worked out by hand.

The fixture (as-of 2026-11-25):
  contracts  M1 TRAVAUX_BATIMENT 250 000 € 2023-03-15 clause, 700 h planned, 12 months (ends 2024-03-15), F4
             M2 TRAVAUX_ROUTES_RESEAUX 500 000 € 2023-06-01 no clause, social criterion
             M3 NETTOYAGE 100 000 € 2023-09-01 clause, 300 h planned, 6 months (ends 2024-03-01), SIAE-reserved, F1
             M4 PRESTATIONS_INTELLECTUELLES 80 000 € 2024-02-01 clause, 100 h, 36 months (ends 2027), F4
             M5 TRAVAUX_BATIMENT 150 000 € 2024-05-10 no clause (under the threshold), social criterion
             M6 FOURNITURES 40 000 € 2024-07-01 no clause, EA/ESAT-reserved
  people     P1 (F4) woman, 32 at entry, QPV, BRSA, DELD; exit 2024-03-31 in CDI (lasting job)
             Z1 (F1) the same woman written LEFEVRE / ELOISE by another facilitator, no exit
             P2 (F4) man, 23, young without qualification; exit 2026-06-30 (six months not yet passed)
             P3 (F1) man, 53, RQTH, senior; exit 2023-12-31, situation unknown
             P4 (F4) woman, 28, DELD, no hours; exit 2024-05-31 into qualifying training (positive exit)
             P5 (F4) man, 41, DELD, no hours; exit 2024-06-30 in CDI; the same man is Z5 (F1), exit 2024-09-30,
                situation unknown: one person's exit of 2024, the later one (F1's, unknown)
             P6 (F1) man, 30, DELD, no hours; exit 2023-06-30 in a CDD of 6 months or more (lasting job), then a
                re-entry 2024-01-15 that a later file (2025_F1.csv) corrects to 2024-01-20 with an exit 2024-03-31
                as a job seeker: two episodes, two exits (2023 and 2024), the correction replacing the re-entry
  hours      P1/M1 2023-04 100, 2023-05 120, 2024-01 50 (employer A) ; P2/M1 2023-06 150, 2024-02 100 (employer B)
             P3/M3 2023-10 80, 2023-11 80 (B) ; Z1/M3 2024-01 40 (A) ; P2/M4 2024-03 20 (A)
"""

from __future__ import annotations

from conftest import SIRET_A, SIRET_B, heure, marche, participant, write_csv


def write_hand_fixture(raw):
    write_csv(
        raw / "marches" / "marches.csv",
        [
            marche(
                id_marche="M1", date_notification="15/03/2023", montant_ht="250 000", heures_insertion_prevues="700"
            ),
            marche(
                id_marche="M2",
                famille="TRAVAUX_ROUTES_RESEAUX",
                date_notification="01/06/2023",
                montant_ht="500000",
                clause_insertion="non",
                heures_insertion_prevues="",
                critere_social="oui",
                duree_mois="24",
                facilitateur="",
            ),
            marche(
                id_marche="M3",
                famille="NETTOYAGE",
                date_notification="01/09/2023",
                montant_ht="100000",
                duree_mois="6",
                heures_insertion_prevues="300",
                marche_reserve="SIAE",
                facilitateur="F1",
            ),
            marche(
                id_marche="M4",
                famille="PRESTATIONS_INTELLECTUELLES",
                date_notification="01/02/2024",
                montant_ht="80000",
                duree_mois="36",
                heures_insertion_prevues="100",
            ),
            marche(
                id_marche="M5",
                date_notification="10/05/2024",
                montant_ht="150000",
                clause_insertion="non",
                heures_insertion_prevues="",
                critere_social="oui",
                facilitateur="",
            ),
            marche(
                id_marche="M6",
                famille="FOURNITURES",
                date_notification="01/07/2024",
                montant_ht="40000",
                clause_insertion="non",
                heures_insertion_prevues="",
                marche_reserve="EA_ESAT",
                facilitateur="",
            ),
        ],
    )
    write_csv(
        raw / "participants" / "2024_F1.csv",
        [
            participant(
                facilitateur="F1",
                id_participant="P3",
                nom="Durand",
                prenom="Paul",
                date_naissance="15/06/1970",
                sexe="M",
                qpv="non",
                deld="",
                senior="x",
                rqth="x",
                date_entree="01/10/2023",
                date_sortie="31/12/2023",
                situation_6_mois="INCONNU",
            ),
            participant(
                facilitateur="F1",
                id_participant="Z5",
                nom="Moreau",
                prenom="Luc",
                date_naissance="03/03/1983",
                sexe="M",
                qpv="non",
                date_entree="01/02/2024",
                date_sortie="30/09/2024",
                situation_6_mois="",
            ),
            *_p6(date_entree="01/02/2023", date_sortie="30/06/2023", situation_6_mois="CDD_6_MOIS_ET_PLUS"),
            *_p6(date_entree="15/01/2024"),
            participant(
                facilitateur="F1",
                id_participant="Z1",
                nom="LEFEVRE",
                prenom="ELOISE",
                qpv="non",
                brsa="x",
                date_entree="01/01/2024",
            ),
        ],
    )
    write_csv(
        raw / "participants" / "2024_F4.csv",
        [
            participant(
                id_participant="P1",
                brsa="x",
                date_entree="01/04/2023",
                date_sortie="31/03/2024",
                situation_6_mois="CDI",
            ),
            participant(
                id_participant="P2",
                nom="Martin",
                prenom="Karim",
                date_naissance="01/01/2000",
                sexe="H",
                qpv="non",
                deld="",
                jeune_sans_qualification="x",
                date_entree="01/05/2023",
                date_sortie="30/06/2026",
                situation_6_mois="CDD_MOINS_6_MOIS",
            ),
            participant(
                id_participant="P5",
                nom="MOREAU",
                prenom="LUC",
                date_naissance="03/03/1983",
                sexe="M",
                qpv="non",
                date_entree="01/01/2024",
                date_sortie="30/06/2024",
                situation_6_mois="CDI",
            ),
            participant(
                id_participant="P4",
                nom="Garcia",
                prenom="Inès",
                date_naissance="10/10/1995",
                qpv="non",
                date_entree="01/02/2024",
                date_sortie="31/05/2024",
                situation_6_mois="FORMATION_QUALIFIANTE",
            ),
        ],
    )
    write_csv(
        raw / "participants" / "2025_F1.csv",
        _p6(date_entree="20/01/2024", date_sortie="31/03/2024", situation_6_mois="DEMANDEUR_EMPLOI"),
    )
    write_csv(
        raw / "heures" / "2024-06-01_F4.csv",
        [
            heure(id_participant="P1", mois="2023-04", heures="100"),
            heure(id_participant="P1", mois="2023-05", heures="120"),
            heure(id_participant="P1", mois="2024-01", heures="50"),
            heure(
                id_participant="P2", mois="2023-06", heures="150", modalite="INTERIM_INSERTION", employeur_siret=SIRET_B
            ),
            heure(
                id_participant="P2", mois="2024-02", heures="100", modalite="INTERIM_INSERTION", employeur_siret=SIRET_B
            ),
            heure(id_participant="P2", id_marche="M4", mois="2024-03", heures="20"),
        ],
    )
    write_csv(
        raw / "heures" / "2024-06-01_F1.csv",
        [
            heure(
                facilitateur="F1",
                id_participant="P3",
                id_marche="M3",
                mois="2023-10",
                heures="80",
                modalite="MISE_A_DISPOSITION",
                employeur_siret=SIRET_B,
            ),
            heure(
                facilitateur="F1",
                id_participant="P3",
                id_marche="M3",
                mois="2023-11",
                heures="80",
                modalite="MISE_A_DISPOSITION",
                employeur_siret=SIRET_B,
            ),
            heure(
                facilitateur="F1",
                id_participant="Z1",
                id_marche="M3",
                mois="2024-01",
                heures="40",
                employeur_siret=SIRET_A,
            ),
        ],
    )


def _p6(**over) -> list[dict]:
    """P6's row as F1 writes it: the same person, the same reference, one episode per row."""
    row = dict(facilitateur="F1", id_participant="P6", nom="Petit", prenom="Hugo", date_naissance="20/08/1993",
               sexe="M", qpv="non")  # fmt: skip
    return [participant(**{**row, **over})]
