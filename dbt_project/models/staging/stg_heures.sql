with source as (
    select * from {{ source('landing', 'heures') }}
)

select
    parcours_id,
    facilitateur,
    id_marche,
    mois,
    cast(year(mois) as integer) as annee,
    heures,
    modalite,
    employeur_siret,
    employeur_nom,
    type_contrat,
    fichier,
    ligne
from source
