-- A year appears when any source has data in it (a contract notified, an hour worked, an exit),
-- up to the as-of year.
with annees as (
    select distinct annee from (
        select annee_notification as annee from {{ ref('dim_marches') }}
        union all select annee from {{ ref('fct_heures') }}
        union all select annee_sortie from {{ ref('dim_parcours') }}
    ) as years
    where annee is not null and annee <= year({{ as_of() }})
),

periodes as (
    select annee as periode, make_date(annee, 1, 1) as debut, make_date(annee, 12, 31) as fin from annees
),

kpi as (
    {{ kpi_par_periode('periodes') }}
)

select cast(periode as integer) as annee, * exclude (periode, periode_debut, periode_fin)
from kpi
order by annee
