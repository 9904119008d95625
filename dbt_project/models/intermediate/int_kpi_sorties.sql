-- The exits of each period (by exit date), counted (the rates are worked out in int_kpi_periodes).
select
    periodes.periode,
    {{ outcome_counts('s') }}
from {{ ref('int_periodes') }} as periodes
inner join {{ ref('int_sorties') }} as s on s.date_sortie between periodes.debut and periodes.fin
group by periodes.periode
