-- Persons with hours, by year and territory of their commune of residence (from their latest row).
with personnes_annee as (
    select distinct
        h.annee,
        h.personne_id
    from {{ ref('fct_heures') }} as h
),

heures_annee as (
    select
        annee,
        personne_id,
        {{ sum_hundredths("heures") }} as heures
    from {{ ref('fct_heures') }}
    group by annee, personne_id
),

classees as (
    select
        pa.annee,
        pa.personne_id,
        ha.heures,
        p.territoire_residence
    from personnes_annee as pa
    inner join heures_annee as ha using (annee, personne_id)
    inner join {{ ref('dim_personnes') }} as p using (personne_id)
)

select
    annee,
    territoire_residence,
    count(distinct personne_id) as nb_participants,
    {{ sum_hundredths("heures") }} as heures_realisees,
    {{ ratio("count(distinct personne_id)", "sum(count(distinct personne_id)) over (partition by annee)") }}
        as part_participants
from classees
group by annee, territoire_residence
order by annee, territoire_residence
