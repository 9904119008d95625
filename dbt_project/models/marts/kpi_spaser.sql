-- One row: the plan in force at the as-of date (core plans), from its first day to its end or the as-of date.
select periodes.* exclude (type_periode, annee)
from {{ ref('int_kpi_periodes') }} as periodes
inner join {{ ref('plans') }} as plans on periodes.periode = plans.plan
where periodes.type_periode = 'plan' and plans.en_cours
