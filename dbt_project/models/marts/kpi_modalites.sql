with heures as (
    select annee, modalite, {{ sum_hundredths("heures") }} as heures
    from {{ ref('fct_heures') }}
    group by annee, modalite
)

select
    heures.annee,
    heures.modalite,
    modalites.libelle as libelle_modalite,
    heures.heures,
    heures.heures / nullif(round(sum(heures.heures) over (partition by heures.annee), 2), 0) as part_heures
from heures
left join {{ ref('modalites') }} as modalites using (modalite)
order by heures.annee, heures.modalite
