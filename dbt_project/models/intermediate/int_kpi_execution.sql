-- The contracts with a clause that ended in each period (and by the as-of date): hours done over hours planned.
select
    periodes.periode,
    {{ ratio(sum_hundredths("e.heures_realisees"), sum_hundredths("e.heures_prevues")) }}
        as taux_realisation_marches_acheves
from {{ ref('int_periodes') }} as periodes
inner join {{ ref('marche_execution') }} as e on e.date_fin between periodes.debut and periodes.fin
where e.date_fin <= {{ as_of() }}
group by periodes.periode
