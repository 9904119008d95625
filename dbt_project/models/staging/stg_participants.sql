with source as (
    select * from {{ source('landing', 'participants') }}
)

select
    parcours_id,
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
    ordre_fichier,
    fichier,
    ligne
from source
