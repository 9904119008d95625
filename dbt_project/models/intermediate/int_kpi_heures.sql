-- The hours of each period (by the month worked), the persons who worked in it, counted once whoever
-- follows them, their profile, and the persons whose first month with hours falls in it.
with heures as materialized (
    select
        periodes.periode,
        h.heures,
        h.personne_id,
        h.employeur_siret,
        h.id_marche
    from {{ ref('int_periodes') }} as periodes
    inner join {{ ref('fct_heures') }} as h on h.mois between periodes.debut and periodes.fin
),

volumes as (
    select
        periode,
        {{ sum_hundredths("heures") }} as heures_realisees,
        count(distinct employeur_siret) as nb_employeurs,
        count(distinct id_marche) as nb_marches_actifs
    from heures
    group by periode
),

-- Each person once per period: counted here, and profiled (one pass over the hours, not two: 1.3 s at 10 M rows).
personnes as materialized (
    select
        periode,
        personne_id
    from heures
    group by periode, personne_id
),

participants as (
    select
        periode,
        count(*) as nb_participants
    from personnes
    group by periode
),

profil as (
    select
        persons.periode,
        {{ ratio("count(*) filter (where p.sexe = 'F')", "count(*)") }} as part_femmes,
        {{ ratio("count(*) filter (where p.moins_26_ans)", "count(*)") }} as part_moins_26_ans,
        {{ ratio("count(*) filter (where p.age_50_ans_et_plus)", "count(*)") }} as part_50_ans_et_plus,
        {{ ratio("count(*) filter (where p.qpv)", "count(*)") }} as part_qpv,
        {{ ratio("count(*) filter (where p.brsa)", "count(*)") }} as part_brsa,
        {{ ratio("count(*) filter (where p.deld)", "count(*)") }} as part_deld,
        {{ ratio("count(*) filter (where p.rqth)", "count(*)") }} as part_rqth,
        {{ ratio("count(*) filter (where p.jeune_sans_qualification)", "count(*)") }}
            as part_jeunes_sans_qualification
    from personnes as persons
    inner join {{ ref('dim_personnes') }} as p on persons.personne_id = p.personne_id
    group by persons.periode
),

nouveaux as (
    select
        periodes.periode,
        count(*) as nb_nouveaux_participants
    from {{ ref('int_periodes') }} as periodes
    inner join {{ ref('dim_personnes') }} as p on p.premier_mois_heures between periodes.debut and periodes.fin
    group by periodes.periode
)

select
    periodes.periode,
    volumes.heures_realisees,
    participants.nb_participants,
    volumes.nb_employeurs,
    volumes.nb_marches_actifs,
    nouveaux.nb_nouveaux_participants,
    profil.* exclude (periode)
from {{ ref('int_periodes') }} as periodes
left join volumes on periodes.periode = volumes.periode
left join participants on periodes.periode = participants.periode
left join profil on periodes.periode = profil.periode
left join nouveaux on periodes.periode = nouveaux.periode
