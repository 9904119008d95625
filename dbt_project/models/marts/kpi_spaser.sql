-- One row: the SPASER period (dbt_project.yml vars), to its end or the as-of date if earlier.
select * exclude (type_periode, annee)
from {{ ref('int_kpi_periodes') }}
where type_periode = 'spaser'
