-- Résultats à 6 mois selon le nombre d'heures du parcours (toutes années) : plus d'heures, plus d'emploi ?
select tranche_heures, nb_sortants, nb_sortants_situation_connue,
       round(100 * taux_emploi_durable, 1) as pct_emploi_durable,
       round(100 * taux_sorties_dynamiques, 1) as pct_sorties_dynamiques
from marts.kpi_impact_heures
where perimetre = 'TOUTES_ANNEES'
order by ordre_tranche;
