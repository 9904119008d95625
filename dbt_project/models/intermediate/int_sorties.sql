-- One row per person and year of exit (docs/indicateurs.md, résultats): a person who leaves two facilitators in
-- a year, or a path twice, is one exit. It stands for their last exit of the year (its date, its facilitator, its
-- situation: the known one first when two end on the same day, then a fixed order, so that each run picks the
-- same), with the hours of every path episode they left that year. Each flag is worked out here once
-- (exit_flags), and every outcome table counts them.
-- Incremental in the build database: a night later, only the persons whose paths dim_parcours computed again, or
-- whose exit the new as-of date makes observable at twelve months, are computed again (macros/incremental.sql).
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ sorties_a_refaire() }}{% endif %}",
    post_hook="{{ noter_construction(construction_du_passage()) }}"
) }}

with episodes as (
    select
        *,
        sum(heures_totales) over (partition by personne_id, annee_sortie) as heures_personne,
        count(*) over (partition by personne_id, annee_sortie) as nb_episodes_sortis
    from {{ ref('dim_parcours') }}
    where
        est_sorti
        {% if is_incremental() %}
            and ((select tout from sorties_tout) or personne_id in (select personne_id from sorties_a_refaire))
        {% endif %}
),

dernieres as (
    select *
    from episodes
    qualify row_number() over (
            partition by personne_id, annee_sortie
            order by
                date_sortie desc, categorie_sortie = 'situation inconnue', facilitateur desc, episode desc,
                parcours_id desc
        ) = 1
)

select
    dernieres.personne_id,
    dernieres.annee_sortie,
    dernieres.date_sortie,
    dernieres.facilitateur,
    dernieres.date_entree,
    dernieres.situation_6_mois,
    dernieres.categorie_sortie,
    dernieres.situation_12_mois,
    dernieres.categorie_sortie_12_mois,
    dernieres.date_sortie + interval 12 month <= {{ as_of() }} as sortie_observable_12_mois,
    dernieres.nb_episodes_sortis,
    round(dernieres.heures_personne, 2) as heures_totales,
    tranches.tranche_heures,
    {{ exit_flags('dernieres.sortie_observable', 'dernieres.categorie_sortie') }}
from dernieres
left join {{ ref('tranches_heures') }} as tranches
    on dernieres.heures_personne >= tranches.heures_min
        and (tranches.heures_max is null or dernieres.heures_personne < tranches.heures_max)
