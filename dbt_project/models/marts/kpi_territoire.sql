-- One row per year and facilitator: its hour rows, its paths' outcomes, the contracts it follows. Outcomes here
-- count paths, not persons: a person who leaves two facilitators in a year is an exit of each (kpi_annuel counts
-- them once).
with grille as (
    select
        k.annee,
        f.facilitateur,
        f.structure,
        f.territoire
    from {{ ref('int_kpi_periodes') }} as k
    cross join {{ ref('dim_facilitateurs') }} as f
    where k.type_periode = 'annee'
),

heures as (
    select
        annee,
        facilitateur,
        {{ sum_hundredths("heures") }} as heures_realisees,
        count(distinct personne_id) as nb_participants,
        count(distinct employeur_siret) as nb_employeurs
    from {{ ref('fct_heures') }}
    group by annee, facilitateur
),

parcours_sortis as (
    select
        annee_sortie,
        facilitateur,
        {{ exit_flags('sortie_observable', 'categorie_sortie') }}
    from {{ ref('dim_parcours') }}
    where est_sorti
),

sorties as (
    select
        s.annee_sortie as annee,
        s.facilitateur,
        {{ outcome_counts('s') }}
    from parcours_sortis as s
    group by s.annee_sortie, s.facilitateur
),

marches as (
    select
        annee_notification as annee,
        facilitateur,
        count(*) as nb_marches_clause
    from {{ ref('int_marches_departement') }}
    where clause_insertion and facilitateur is not null
    group by annee_notification, facilitateur
)

select
    grille.annee,
    grille.facilitateur,
    grille.structure,
    grille.territoire,
    coalesce(heures.heures_realisees, 0) as heures_realisees,
    coalesce(heures.heures_realisees, 0) / {{ heures_etp() }} as etp,
    coalesce(heures.nb_participants, 0) as nb_participants,
    coalesce(heures.nb_employeurs, 0) as nb_employeurs,
    {{ outcome_columns('sorties') }},
    coalesce(marches.nb_marches_clause, 0) as nb_marches_clause
from grille
left join heures using (annee, facilitateur)
left join sorties using (annee, facilitateur)
left join marches using (annee, facilitateur)
order by grille.annee, grille.facilitateur
