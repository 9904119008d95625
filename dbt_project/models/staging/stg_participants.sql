with source as (
    select * from {{ source('landing', 'participants') }}
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
