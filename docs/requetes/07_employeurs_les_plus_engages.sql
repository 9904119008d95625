-- Les employeurs qui ont réalisé le plus d'heures d'insertion sur la période du SPASER.
select
    employeur_siret,
    any_value(employeur_nom) as employeur_nom,
    count(distinct id_marche) as nb_marches,
    count(distinct personne_id) as nb_personnes,
    round(sum(heures), 1) as heures  -- des décimales : arrondir la somme, pas chaque ligne
from marts.fct_heures
where annee between 2023 and 2026
group by employeur_siret
order by heures desc
limit 15;
