with source as (
    select * from {{ source('landing', 'plans') }}
),

renamed as (
    select
        plan,
        debut,
        fin,
        adopte_le,
        commentaire,
        fichier,
        ligne
    from source
)

select * from renamed
