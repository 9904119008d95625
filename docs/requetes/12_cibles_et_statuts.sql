-- Les cibles du Département face aux réalisations : écart et statut, avec la source de chaque cible
-- (un fichier de raw/objectifs/ ou la valeur par défaut).
select annee, indicateur, cible, round(realise, 4) as realise, round(ecart, 4) as ecart, statut, source
from marts.kpi_objectifs
order by annee, indicateur;
