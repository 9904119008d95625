-- The periods the KPIs are computed over: each calendar year with data (a contract notified, an hour
-- worked, an exit) up to the as-of year, and the SPASER period (dbt_project.yml vars) up to the as-of date.
with annees as (
    select distinct years.annee
    from (
        select annee_notification as annee from {{ ref('int_marches_departement') }}
        union all
        select annee from {{ ref('fct_heures') }}
        union all
        select annee_sortie as annee from {{ ref('dim_parcours') }}
    ) as years
    where years.annee is not null and years.annee <= year({{ as_of() }})
)

select
    'annee' as type_periode,
    cast(annee as varchar) as periode,
    cast(annee as integer) as annee,
    make_date(annee, 1, 1) as debut,
    make_date(annee, 12, 31) as fin
from annees

union all

select
    'spaser' as type_periode,
    'SPASER {{ var("spaser_debut")[:4] }}-{{ var("spaser_fin")[:4] }}' as periode,
    null as annee,
    cast('{{ var("spaser_debut") }}' as date) as debut,
    least(cast('{{ var("spaser_fin") }}' as date), {{ as_of() }}) as fin
