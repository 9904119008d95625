-- Incremental in the build database: a night later, only the paths whose exit the new as-of date shows or hides are
-- computed again; all of them when the participant rows changed (macros/incremental.sql).
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ participants_a_refaire() }}{% endif %}",
    post_hook="{{ noter_construction(participants_charges()) }}"
) }}

with source as (
    select * from {{ source('landing', 'participants') }}
    {% if is_incremental() %}
        where parcours_id in (select parcours_id from stg_participants_a_refaire)
    {% endif %}
)

select
    parcours_id,
    -- A re-entry with the same facilitator is a later episode of the same path (the ingest keeps one row per
    -- episode: overlapping periods are one episode, the later file's row standing).
    cast(row_number() over (partition by parcours_id order by date_entree) as integer) as episode,
    personne_id,
    facilitateur,
    sexe,
    annee_naissance,
    age_entree,
    commune_residence,
    qpv,
    niveau_formation,
    deld,
    brsa,
    rqth,
    jeune_sans_qualification,
    minima_sociaux,
    senior,
    autre_public,
    date_entree,
    -- Nothing after the as-of date counts: an exit announced for later is not an exit yet.
    case when date_sortie <= {{ as_of() }} then date_sortie end as date_sortie,
    case when date_sortie <= {{ as_of() }} then coalesce(situation_6_mois, 'INCONNU') end as situation_6_mois,
    case when date_sortie <= {{ as_of() }} then situation_12_mois end as situation_12_mois,
    case when date_sortie <= {{ as_of() }} then date_observation_situation end as date_observation_situation,
    ordre_fichier,
    fichier,
    ligne
from source
