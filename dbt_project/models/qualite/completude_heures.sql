-- One row per facilitator and month, from its first month with hours to the month before the as-of month:
-- did its timesheet arrive, and did it have a contract running that month (docs/deposer_des_extractions.md)?
with premiers as (
    select
        facilitateur,
        min(mois) as premier_mois
    from {{ ref('fct_heures') }}
    group by facilitateur
),

mois as (
    select
        facilitateur,
        cast(unnest(generate_series(
            cast(premier_mois as timestamp),
            cast(date_trunc('month', {{ as_of() }}) - interval 1 month as timestamp),
            interval 1 month
        )) as date) as mois
    from premiers
),

heures as (
    select
        facilitateur,
        mois,
        count(*) as nb_lignes,
        {{ sum_hundredths("heures") }} as heures
    from {{ ref('fct_heures') }}
    group by facilitateur, mois
),

suivis as (
    select
        mois.facilitateur,
        mois.mois,
        count(marches.id_marche) as nb_marches_suivis_en_cours
    from mois
    left join {{ ref('int_marches_departement') }} as marches
        on
            mois.facilitateur = marches.facilitateur
            and marches.clause_insertion
            and date_trunc('month', marches.date_notification) <= mois.mois
            and (marches.date_fin is null or date_trunc('month', marches.date_fin) >= mois.mois)
    group by mois.facilitateur, mois.mois
)

select
    suivis.facilitateur,
    suivis.mois,
    coalesce(heures.nb_lignes, 0) as nb_lignes,
    coalesce(heures.heures, 0) as heures,
    suivis.nb_marches_suivis_en_cours,
    case
        when coalesce(heures.nb_lignes, 0) > 0 then 'RECU'
        when suivis.nb_marches_suivis_en_cours > 0 then 'MANQUANT'
        else 'SANS_OBJET'
    end as statut
from suivis
left join heures on suivis.facilitateur = heures.facilitateur and suivis.mois = heures.mois
order by suivis.facilitateur, suivis.mois
