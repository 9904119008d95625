-- The procurement indicators of each period, over the contracts notified in it.
select
    periodes.periode,
    count(*) as nb_marches,
    {{ sum_hundredths("m.montant_ht") }} as montant_marches_ht,
    count(*) filter (where m.est_eligible_clause) as nb_marches_eligibles,
    count(*) filter (where m.est_eligible_clause and m.clause_insertion) as nb_marches_eligibles_avec_clause,
    count(*) filter (where m.clause_insertion) as nb_marches_clause,
    {{ sum_hundredths("m.montant_ht", "m.clause_insertion") }} as montant_marches_clause_ht,
    count(*) filter (where m.clause_insertion and m.secteur = 'SERVICES') as nb_marches_clause_services,
    count(*) filter (
        where m.clause_insertion and m.famille = 'PRESTATIONS_INTELLECTUELLES'
    ) as nb_marches_clause_prestations_intellectuelles,
    count(*) filter (where m.critere_social) as nb_marches_critere_social,
    count(*) filter (where m.marche_reserve is not null and m.marche_reserve <> 'NON') as nb_marches_reserves,
    {{ sum_hundredths("m.montant_ht", "m.marche_reserve is not null and m.marche_reserve <> 'NON'") }}
        as montant_marches_reserves_ht,
    {{ sum_hundredths("m.heures_insertion_prevues", "m.clause_insertion") }} as heures_prevues,
    count(*) filter (where m.dans_perimetre_pnad) as nb_marches_considerations_connues,
    count(*) filter (where m.dans_perimetre_pnad and m.consideration_sociale) as nb_marches_consideration_sociale,
    {{ sum_hundredths("m.montant_ht", "m.dans_perimetre_pnad") }} as montant_marches_considerations_connues_ht,
    {{ sum_hundredths("m.montant_ht", "m.dans_perimetre_pnad and m.consideration_sociale") }}
        as montant_marches_consideration_sociale_ht,
    count(*) filter (where m.dans_perimetre_pnad_environnement) as nb_marches_considerations_environnementales_connues,
    count(*) filter (
        where m.dans_perimetre_pnad_environnement and m.consideration_environnementale
    ) as nb_marches_consideration_environnementale
from {{ ref('int_periodes') }} as periodes
inner join {{ ref('int_marches_departement') }} as m on m.date_notification between periodes.debut and periodes.fin
group by periodes.periode
