-- One row: the SPASER period (dbt_project.yml vars), to its end or the as-of date if earlier.
with periodes as (
    select
        'SPASER {{ var("spaser_debut")[:4] }}-{{ var("spaser_fin")[:4] }}' as periode,
        cast('{{ var("spaser_debut") }}' as date) as debut,
        least(cast('{{ var("spaser_fin") }}' as date), {{ as_of() }}) as fin
),

kpi as (
    {{ kpi_par_periode('periodes') }}
)

select * from kpi
