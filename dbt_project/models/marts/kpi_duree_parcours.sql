-- How long paths last: the Kaplan-Meier estimate of the time from entry to exit, in whole months, over every
-- path episode. A path still running at the as-of date is censored there: it counts among those at risk up to
-- its current length, never as an exit, so that recent entrants do not make paths look short.
with durees as (
    select
        date_diff('month', date_entree, coalesce(date_sortie, {{ as_of() }})) as mois,
        est_sorti
    from {{ ref('dim_parcours') }}
),

par_mois as (
    select
        mois,
        count(*) filter (where est_sorti) as nb_sorties,
        count(*) filter (where not est_sorti) as nb_censures
    from durees
    group by mois
),

a_risque as (
    select
        *,
        sum(nb_sorties + nb_censures) over (order by mois desc) as nb_a_risque
    from par_mois
)

select
    cast(mois as integer) as mois,
    cast(nb_a_risque as integer) as nb_a_risque,
    nb_sorties,
    nb_censures,
    product(1 - nb_sorties / nb_a_risque) over (order by mois) as part_encore_en_parcours,
    1 - product(1 - nb_sorties / nb_a_risque) over (order by mois) as part_sortis
from a_risque
order by mois
