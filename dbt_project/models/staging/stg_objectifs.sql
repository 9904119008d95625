with source as (
    select * from {{ source('landing', 'objectifs') }}
),

renamed as (
    select
        cast(annee as integer) as annee,
        indicateur,
        cible,
        commentaire,
        fichier,
        ligne
    from source
)

select * from renamed
