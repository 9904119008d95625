-- One row per person (personne_id). A person's attributes come from their latest participant row:
-- the row of the latest file, then of the greatest facilitator code (our reading of "by file order,
-- then by facilitator code").
-- Incremental: a night later, only the persons behind the paths whose hours changed are computed again
-- (macros/incremental.sql); all of them when a participant file changed.
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ personnes_a_refaire() }}; "
    ~ "delete from {{ this }} where {{ a_refaire_dans('personnes', 'personne_id') }}{% endif %}"
) }}

with parcours as (
    select * from {{ ref('stg_participants') }}
    {% if is_incremental() %}
        where {{ a_refaire_dans('personnes', 'personne_id') }}
    {% endif %}
),

latest as (
    select
        *,
        count(distinct parcours_id) over (partition by personne_id) as nb_parcours
    from parcours
    qualify row_number() over (
            partition by personne_id order by ordre_fichier desc, facilitateur desc, ligne desc
        ) = 1
),

first_month as (  -- from the paths, which read the hours once for both
    select
        personne_id,
        min(premier_mois_heures) as premier_mois_heures
    from {{ ref('dim_parcours') }}
    {% if is_incremental() %}
        where {{ a_refaire_dans('personnes', 'personne_id') }}
    {% endif %}
    group by personne_id
)

select
    latest.personne_id,
    latest.sexe,
    latest.annee_naissance,
    latest.age_entree,
    latest.age_entree < 26 as moins_26_ans,
    latest.age_entree >= 50 as age_50_ans_et_plus,
    latest.commune_residence,
    -- where the kpi_residence and kpi_sorties_publics tables place the person
    case
        when latest.commune_residence is null then 'commune inconnue'
        when communes.code_insee is null then 'hors département'
        when communes.facilitateur is null then 'territoire non couvert'
        else communes.territoire
    end as territoire_residence,
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
    latest.nb_parcours
from latest
left join first_month using (personne_id)
left join {{ ref('communes_territoires') }} as communes on latest.commune_residence = communes.code_insee
