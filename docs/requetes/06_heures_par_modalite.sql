-- Comment les heures sont réalisées : embauche directe, intérim d'insertion, SIAE, alternance...
select annee, libelle_modalite, heures, round(100 * part_heures, 1) as pct_heures
from marts.kpi_modalites
order by annee desc, heures desc;
