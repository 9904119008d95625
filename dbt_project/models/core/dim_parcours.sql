-- One row per path episode (one person followed by one facilitator, from an entry to its exit), with its
-- hours, its first and last months with hours, and whether its exit can be observed: the situation six months
-- after the exit is only known once date_sortie + 6 months is on or before the as-of date.
-- Incremental: a night later, only the paths whose hours changed, or whose exit the new as-of date shows, hides or
-- makes observable, are computed again (macros/incremental.sql); all of them when a participant file changed.
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ parcours_a_refaire() }}; "
    ~ "delete from {{ this }} where {{ a_refaire_dans('parcours', 'parcours_id') }}{% endif %}"
) }}

with parcours as (
    select
        *,
        -- An hour belongs to the episode running in its month: from this entry's month to the next entry's.
        date_trunc('month', date_entree) as premier_mois_episode,
        lead(date_trunc('month', date_entree)) over (partition by parcours_id order by episode) as mois_episode_suivant
    from {{ ref('stg_participants') }}
    {% if is_incremental() %}
        where {{ a_refaire_dans('parcours', 'parcours_id') }}
    {% endif %}
),

hours as (
    select
        parcours.parcours_id,
        parcours.episode,
        {{ sum_hundredths("heures.heures") }} as heures_totales,
        min(heures.mois) as premier_mois_heures,
        max(heures.mois) as dernier_mois_heures
    from {{ ref('fct_heures') }} as heures
    inner join parcours
        on
            heures.parcours_id = parcours.parcours_id
            -- the first episode also takes hours declared before its entry month
            and (parcours.episode = 1 or heures.mois >= parcours.premier_mois_episode)
            and (parcours.mois_episode_suivant is null or heures.mois < parcours.mois_episode_suivant)
    group by parcours.parcours_id, parcours.episode
)

select
    parcours.parcours_id,
    parcours.episode,
    parcours.personne_id,
    parcours.facilitateur,
    parcours.date_entree,
    parcours.date_sortie,
    cast(year(parcours.date_sortie) as integer) as annee_sortie,
    parcours.situation_6_mois,
    situations.categorie as categorie_sortie,
    parcours.situation_12_mois,
    situations_12.categorie as categorie_sortie_12_mois,
    parcours.date_observation_situation,
    coalesce(hours.heures_totales, 0) as heures_totales,
    hours.premier_mois_heures,
    hours.dernier_mois_heures,
    tranches.tranche_heures,
    tranches.ordre_tranche,
    parcours.date_sortie is not null as est_sorti,
    parcours.date_sortie is not null
    and parcours.date_sortie + interval 6 month <= {{ as_of() }} as sortie_observable
from parcours
left join hours using (parcours_id, episode)
left join {{ ref('situations') }} as situations using (situation_6_mois)
left join {{ ref('situations') }} as situations_12 on parcours.situation_12_mois = situations_12.situation_6_mois
left join {{ ref('tranches_heures') }} as tranches
    on coalesce(hours.heures_totales, 0) >= tranches.heures_min
        and (tranches.heures_max is null or coalesce(hours.heures_totales, 0) < tranches.heures_max)
