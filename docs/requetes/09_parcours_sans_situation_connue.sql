-- Par facilitateur : les sortants observables dont la situation à 6 mois reste inconnue (à relancer).
select p.facilitateur, f.structure, count(*) as nb_sortants_observables,
       count(*) filter (where p.categorie_sortie = 'situation inconnue') as nb_situation_inconnue
from marts.dim_parcours p
join marts.dim_facilitateurs f using (facilitateur)
where p.sortie_observable
group by all
order by nb_situation_inconnue desc;
