-- One row per year and buyer with contracts in the national indicator's scope, every perimeter included:
-- its share of contracts with a social consideration, and its rank among the buyers of its category.
with acheteurs as (
    select
        annee_notification as annee,
        acheteur_siren,
        mode(acheteur_nom) as acheteur_nom,
        bool_or(perimetre = 'DEPARTEMENT') as est_departement,
        count(*) as nb_marches_considerations_connues,
        count(*) filter (where consideration_sociale) as nb_marches_consideration_sociale,
        {{ sum_hundredths("montant_ht") }} as montant_marches_considerations_connues_ht,
        {{ sum_hundredths("montant_ht", "consideration_sociale") }} as montant_marches_consideration_sociale_ht,
        count(*) filter (
            where dans_perimetre_pnad_environnement
        ) as nb_marches_considerations_environnementales_connues,
        count(*) filter (
            where dans_perimetre_pnad_environnement and consideration_environnementale
        ) as nb_marches_consideration_environnementale
    from {{ ref('dim_marches') }}
    where dans_perimetre_pnad and annee_notification is not null and acheteur_siren is not null
    group by annee_notification, acheteur_siren
),

-- The category of a SIREN: the longest prefix of the reference table, AUTRE when none.
categorised as (
    select
        acheteurs.*,
        coalesce(categories.categorie, 'AUTRE') as categorie_acheteur
    from acheteurs
    left join {{ ref('categories_acheteurs') }} as categories
        on starts_with(acheteurs.acheteur_siren, categories.prefixe_siren)
    qualify row_number() over (
            partition by acheteurs.annee, acheteurs.acheteur_siren
            order by length(categories.prefixe_siren) desc nulls last
        ) = 1
),

shares as (
    select
        categorised.annee,
        categorised.acheteur_siren,
        categorised.acheteur_nom,
        categorised.categorie_acheteur,
        categorised.est_departement,
        {{ social_consideration_columns('categorised') }},
        {{ environmental_consideration_columns('categorised') }},
        nb_marches_considerations_connues >= {{ var('min_marches_classement') }} as est_classe
    from categorised
)

select
    annee,
    acheteur_siren,
    acheteur_nom,
    categorie_acheteur,
    est_departement,
    nb_marches_considerations_connues,
    nb_marches_consideration_sociale,
    part_marches_consideration_sociale,
    montant_marches_considerations_connues_ht,
    montant_marches_consideration_sociale_ht,
    part_montant_consideration_sociale,
    nb_marches_considerations_environnementales_connues,
    nb_marches_consideration_environnementale,
    part_marches_consideration_environnementale,
    case
        when est_classe
            then rank() over (
                    partition by annee, categorie_acheteur, est_classe order by part_marches_consideration_sociale desc
                )
    end as rang_categorie,
    count(*) filter (where est_classe) over (partition by annee, categorie_acheteur) as nb_acheteurs_classes
from shares
order by annee, categorie_acheteur, rang_categorie nulls last, acheteur_siren
