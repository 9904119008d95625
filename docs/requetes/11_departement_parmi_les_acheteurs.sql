-- Le Département parmi les acheteurs publics : sa part de marchés avec considération sociale (indicateur national),
-- son rang dans sa catégorie et la médiane de la catégorie, année par année (acheteurs d'au moins 5 marchés).
select c.annee, c.categorie_acheteur,
       round(100 * c.part_marches_consideration_sociale, 1) as pct_departement,
       c.rang_categorie, c.nb_acheteurs_classes,
       round(100 * median(p.part_marches_consideration_sociale), 1) as pct_mediane_categorie
from marts.kpi_comparaison c
left join marts.kpi_comparaison p
  on p.annee = c.annee and p.categorie_acheteur = c.categorie_acheteur and p.rang_categorie is not null
where c.est_departement
group by all
order by c.annee;
