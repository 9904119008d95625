-- Every loaded contract is in dim_marches, and the yearly counts add up to the Département's dated contracts.
-- Shown in Dagster as a check on kpi_annuel (a singular test with several parents needs a ref to attach to).
{{ config(meta={'dagster': {'ref': {'name': 'kpi_annuel'}}}) }}
with landing as (select count(*) as n from {{ source('landing', 'marches') }}),

dims as (
    select
        count(*) as n,
        count(*) filter (
            where perimetre = 'DEPARTEMENT' and annee_notification <= year({{ as_of() }})
        ) as dated
    from {{ ref('dim_marches') }}
),

years as (select coalesce(sum(nb_marches), 0) as n from {{ ref('kpi_annuel') }})

select * from landing, dims, years
where landing.n <> dims.n or dims.dated <> years.n
