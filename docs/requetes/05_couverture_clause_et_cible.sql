-- Couverture des marchés éligibles par la clause, année par année, face à la cible du SPASER.
select k.annee, k.nb_marches_eligibles, k.nb_marches_eligibles_avec_clause,
       round(100 * k.taux_couverture_clause, 1) as pct_couverture,
       round(100 * o.cible, 1) as pct_cible
from marts.kpi_annuel k
left join marts.objectifs_spaser o on o.annee = k.annee and o.indicateur = 'taux_couverture_clause'
order by k.annee;
