-- One row per path (one person followed by one facilitator), with the hours of its whole life, its first
-- month with hours, and whether its exit can be observed: the situation six months after the exit is only known once
-- date_sortie + 6 months is on or before the as-of date.
with parcours as (
    select * from {{ ref('stg_participants') }}
),

hours as (
    select
        parcours_id,
        {{ sum_hundredths("heures") }} as heures_totales,
        min(mois) as premier_mois_heures
    from {{ ref('stg_heures') }}
    group by parcours_id
)

select
    parcours.parcours_id,
    parcours.personne_id,
    parcours.facilitateur,
    parcours.date_entree,
    parcours.date_sortie,
    cast(year(parcours.date_sortie) as integer) as annee_sortie,
    parcours.situation_6_mois,
    situations.categorie as categorie_sortie,
    coalesce(hours.heures_totales, 0) as heures_totales,
    hours.premier_mois_heures,
    tranches.tranche_heures,
    tranches.ordre_tranche,
    parcours.date_sortie is not null as est_sorti,
    parcours.date_sortie is not null
    and parcours.date_sortie + interval 6 month <= {{ as_of() }} as sortie_observable
from parcours
left join hours using (parcours_id)
left join {{ ref('situations') }} as situations using (situation_6_mois)
left join {{ ref('tranches_heures') }} as tranches
    on coalesce(hours.heures_totales, 0) >= tranches.heures_min
        and (tranches.heures_max is null or coalesce(hours.heures_totales, 0) < tranches.heures_max)
