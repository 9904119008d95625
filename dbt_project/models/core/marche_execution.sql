-- One row per contract with a clause: planned against worked hours, and whether it has ended.
-- The Département's contracts only (the other buyers' open data never carry hours).
with marches as (
    select * from {{ ref('dim_marches') }}
    where perimetre = 'DEPARTEMENT' and clause_insertion
),

worked as (
    select
        id_marche,
        {{ sum_hundredths("heures") }} as heures_realisees,
        max(mois) as dernier_mois_heures
    from {{ ref('fct_heures') }}
    group by id_marche
),

execution as (
    select
        marches.id_marche,
        marches.objet,
        marches.famille,
        marches.secteur,
        marches.facilitateur,
        marches.titulaire_nom,
        marches.date_notification,
        marches.duree_mois,
        marches.date_fin,
        coalesce(marches.heures_insertion_prevues, 0) as heures_prevues,
        coalesce(worked.heures_realisees, 0) as heures_realisees,
        {{ ratio("coalesce(worked.heures_realisees, 0)", "marches.heures_insertion_prevues") }} as taux_realisation,
        worked.dernier_mois_heures
    from marches
    left join worked using (id_marche)
)

select
    *,
    case
        when date_fin is null or date_fin > {{ as_of() }} then 'EN_COURS'
        when taux_realisation >= 1 then 'ACHEVE_OBJECTIF_ATTEINT'
        else 'ACHEVE_OBJECTIF_NON_ATTEINT'
    end as statut
from execution
order by id_marche
