-- The hours in the facts equal the hours of the loaded rows: nothing lost or doubled between landing and marts.
-- Shown in Dagster as a check on kpi_annuel (a singular test with several parents needs a ref to attach to).
{{ config(meta={'dagster': {'ref': {'name': 'kpi_annuel'}}}) }}
with landing as (select count(*) as n, coalesce(sum(heures), 0) as h from {{ source('landing', 'heures') }}),
facts as (select count(*) as n, coalesce(sum(heures), 0) as h from {{ ref('fct_heures') }}),
years as (select coalesce(sum(heures_realisees), 0) as h from {{ ref('kpi_annuel') }})
select * from landing, facts, years
where landing.n <> facts.n or abs(landing.h - facts.h) > 1e-6 or abs(facts.h - years.h) > 1e-6
