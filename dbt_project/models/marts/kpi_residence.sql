-- Persons with hours, by year and territory of their commune of residence (from their latest row): each person's
-- hours in each year first (one pass over the hours), then the persons counted by territory.
with heures_annee as (
    select
        annee,
        personne_id,
        {{ sum_hundredths("heures") }} as heures
    from {{ ref('fct_heures') }}
    group by annee, personne_id
),

classees as (
    select
        ha.annee,
        ha.personne_id,
        ha.heures,
        p.territoire_residence
    from heures_annee as ha
    inner join {{ ref('dim_personnes') }} as p using (personne_id)
)

select
    annee,
    territoire_residence,
    count(*) as nb_participants,
    {{ sum_hundredths("heures") }} as heures_realisees,
    {{ ratio("count(*)", "sum(count(*)) over (partition by annee)") }} as part_participants
from classees
group by annee, territoire_residence
order by annee, territoire_residence
