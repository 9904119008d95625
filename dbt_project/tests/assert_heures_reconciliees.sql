-- The hours in the facts equal the hours of the loaded rows: nothing lost or doubled between landing and marts.
-- Shown in Dagster as a check on kpi_annuel (a singular test with several parents needs a ref to attach to).
{{ config(meta={'dagster': {'ref': {'name': 'kpi_annuel'}}}) }}
-- Landing and facts compared exactly (in hundredths of an hour, as integers); the yearly sums are floating
-- point sums of millions of rows, compared to a relative 1e-9 (their rounding error is far below it).
with landing as (
    select
        count(*) as n,
        coalesce(sum(cast(round(heures * 100) as hugeint)), 0) as c
    from {{ source('landing', 'heures') }}
),

facts as (
    select
        count(*) as n,
        coalesce(sum(cast(round(heures * 100) as hugeint)), 0) as c,
        coalesce(sum(heures), 0) as h
    from {{ ref('fct_heures') }}
),

years as (select coalesce(sum(heures_realisees), 0) as h from {{ ref('kpi_annuel') }})

select * from landing, facts, years
where landing.n <> facts.n or landing.c <> facts.c or abs(facts.h - years.h) > 1e-9 * greatest(1, abs(facts.h))
