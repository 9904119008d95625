-- One row per calendar year with data, up to the as-of year (int_periodes).
select
    annee,
    * exclude (type_periode, periode, annee, periode_debut, periode_fin)
from {{ ref('int_kpi_periodes') }}
where type_periode = 'annee'
order by annee
