-- Outcomes by band of hours worked (a person's exit: the hours of every path episode they left that year): for all
-- observable exits together (annee_sortie NULL, perimetre 'TOUTES_ANNEES') and by year of exit. Descriptive, not
-- causal: who leaves early for a job has few hours, and who stays long may be the furthest from employment.
with sorties as (
    select * from {{ ref('int_sorties') }}
),

tranches as (
    select * from {{ ref('tranches_heures') }}
),

grille as (
    select
        null::integer as annee_sortie,
        'TOUTES_ANNEES' as perimetre,
        tranche_heures,
        ordre_tranche
    from tranches
    union all
    select
        annees.annee_sortie,
        'ANNEE',
        tranche_heures,
        ordre_tranche
    from (select distinct annee_sortie from sorties) as annees cross join tranches
),

par_annee as (
    select
        sorties.annee_sortie,
        sorties.tranche_heures,
        {{ outcome_counts('sorties') }},
        {{ sum_hundredths("heures_totales", "sortie_observable") }} as heures_totales
    from sorties
    group by sorties.annee_sortie, sorties.tranche_heures
),

toutes as (
    select
        sorties.tranche_heures,
        {{ outcome_counts('sorties') }},
        {{ sum_hundredths("heures_totales", "sortie_observable") }} as heures_totales
    from sorties
    group by sorties.tranche_heures
),

resultats as (
    select
        null::integer as annee_sortie,
        'TOUTES_ANNEES' as perimetre,
        *
    from toutes
    union all
    select
        annee_sortie,
        'ANNEE' as perimetre,
        * exclude (annee_sortie)
    from par_annee
)

select
    grille.perimetre,
    grille.annee_sortie,
    grille.tranche_heures,
    grille.ordre_tranche,
    {{ outcome_columns('r') }},
    coalesce(r.heures_totales, 0) as heures_totales_sortants
from grille
left join resultats as r
    on grille.perimetre = r.perimetre
        and grille.tranche_heures = r.tranche_heures
        and grille.annee_sortie is not distinct from r.annee_sortie
order by grille.perimetre desc, grille.annee_sortie asc, grille.ordre_tranche asc
