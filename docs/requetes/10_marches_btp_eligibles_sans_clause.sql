-- Les marchés de BTP d'au moins 200 000 € HT notifiés sans clause : les occasions manquées, par famille.
select annee_notification, famille, count(*) as nb_marches, round(sum(montant_ht) / 1e6, 2) as montant_m_eur
from marts.dim_marches
where secteur = 'BTP' and montant_ht >= 200000 and clause_insertion = false
group by all
order by annee_notification desc, montant_m_eur desc;
