-- Résultats à 6 mois selon les heures travaillées (toutes années), avec leur fourchette et leur intervalle : une description, pas l'effet des heures.
select tranche_heures, nb_sortants, nb_sortants_situation_inconnue,
       round(100 * taux_sorties_dynamiques_bas, 1) as pct_bas_inconnues_en_echec,
       round(100 * taux_sorties_dynamiques_haut, 1) as pct_haut_inconnues_en_reussite,
       round(100 * taux_sorties_dynamiques, 1) as pct_parmi_connues,
       round(100 * taux_sorties_dynamiques_ic_bas, 1) as ic95_bas,
       round(100 * taux_sorties_dynamiques_ic_haut, 1) as ic95_haut
from marts.kpi_impact_heures
where perimetre = 'TOUTES_ANNEES'
order by ordre_tranche;
