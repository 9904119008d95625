-- One row: the SPASER period, 2023-01-01 to 2026-12-31 or the as-of date if earlier.
with periodes as (
    select
        'SPASER 2023-2026' as periode,
        date '2023-01-01' as debut,
        least(date '2026-12-31', {{ as_of() }}) as fin
),

kpi as (
    {{ kpi_par_periode('periodes') }}
)

select * from kpi
