-- One row per plan begun by the as-of date (core plans): each plan's figures over its period, the review's base.
select
    periodes.periode,
    periodes.periode_debut,
    periodes.periode_fin,
    plans.fin as plan_fin,
    plans.en_cours,
    plans.termine,
    periodes.* exclude (type_periode, annee, periode, periode_debut, periode_fin)
from {{ ref('int_kpi_periodes') }} as periodes
inner join {{ ref('plans') }} as plans on periodes.periode = plans.plan
where periodes.type_periode = 'plan'
order by periodes.periode_debut
