-- The periods the KPIs are computed over: each calendar year with data (a contract notified, an hour
-- worked, an exit) up to the as-of year, and each plan begun by the as-of date (core plans), up to it.
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
    'plan' as type_periode,
    plan as periode,
    null as annee,
    debut,
    least(fin, {{ as_of() }}) as fin
from {{ ref('plans') }}
where commence
