with source as (
    select * from {{ source('landing', 'exceptions') }}
),

renamed as (
    select
        id_marche,
        exception,
        commentaire,
        fichier,
        ligne
    from source
)

select * from renamed
