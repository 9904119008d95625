-- One row per person (personne_id). A person's attributes come from their latest participant row:
-- the row of the latest file, then of the greatest facilitator code (our reading of "by file order,
-- then by facilitator code").
with parcours as (
    select * from {{ ref('stg_participants') }}
),

latest as (
    select *
    from parcours
    qualify row_number() over (
        partition by personne_id order by ordre_fichier desc, facilitateur desc, ligne desc
    ) = 1
),

first_month as (
    select p.personne_id, min(h.mois) as premier_mois_heures
    from {{ ref('stg_heures') }} as h
    inner join parcours as p using (parcours_id)
    group by p.personne_id
)

select
    latest.personne_id,
    latest.sexe,
    latest.annee_naissance,
    latest.age_entree,
    latest.age_entree < 26 as moins_26_ans,
    latest.age_entree >= 50 as age_50_ans_et_plus,
    latest.commune_residence,
    latest.qpv,
    latest.niveau_formation,
    latest.deld,
    latest.brsa,
    latest.rqth,
    latest.jeune_sans_qualification,
    latest.minima_sociaux,
    latest.senior,
    latest.autre_public,
    first_month.premier_mois_heures,
    (select count(*) from parcours as p2 where p2.personne_id = latest.personne_id) as nb_parcours
from latest
left join first_month using (personne_id)
