-- The targets: the defaults kept as data (seed objectifs_defaut), each replaced by a file row of the same
-- (annee, indicateur) from raw/objectifs/ (achats.md).
with deposees as (
    select
        annee,
        indicateur,
        cible,
        commentaire,
        fichier as source
    from {{ ref('stg_objectifs') }}
),

defaut as (
    select
        annee,
        indicateur,
        cible,
        null as commentaire,
        'defaut' as source
    from {{ ref('objectifs_defaut') }}
    where not exists (
            select 1 from deposees
            where deposees.annee = objectifs_defaut.annee and deposees.indicateur = objectifs_defaut.indicateur
        )
)

select
    annee,
    indicateur,
    cible,
    source,
    commentaire
from deposees
union all
select
    annee,
    indicateur,
    cible,
    source,
    commentaire
from defaut
order by annee, indicateur
