-- The targets: the defaults kept as data (seed objectifs_defaut), each replaced by a file row of the same
-- (annee, indicateur) from raw/objectifs/ (docs/indicateurs.md).
with deposees as (
    select
        annee,
        indicateur,
        cible,
        fichier as source,
        commentaire
    from {{ ref('stg_objectifs') }}
),

defaut as (
    select
        annee,
        indicateur,
        cible,
        'defaut' as source,
        null as commentaire
    from {{ ref('objectifs_defaut') }}
    where not exists (
            select 1 from deposees
            where deposees.annee = objectifs_defaut.annee and deposees.indicateur = objectifs_defaut.indicateur
        )
)

select * from deposees
union all by name
select * from defaut
order by annee, indicateur
