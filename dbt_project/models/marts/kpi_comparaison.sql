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

-- A buyer the open data does not name (v2 gives its SIREN alone): a département, or a commune of the reference,
-- is named after the SIREN's numbering (22, département, 0001, key; 21, département, 0, commune, key).
named as (
    select
        acheteurs.* replace (
            coalesce(acheteurs.acheteur_nom, departements.libelle, communes.commune) as acheteur_nom
        )
    from acheteurs
    left join {{ ref('departements') }} as departements
        on
            regexp_full_match(acheteurs.acheteur_siren, '22[0-9]{2}0001[0-9]')
            and substr(acheteurs.acheteur_siren, 3, 2) = departements.code
    left join {{ ref('communes_territoires') }} as communes
        on
            regexp_full_match(acheteurs.acheteur_siren, '21[0-9]{2}0[0-9]{4}')
            and substr(acheteurs.acheteur_siren, 3, 2) || substr(acheteurs.acheteur_siren, 6, 3) = communes.code_insee
),

-- The category of a SIREN: the longest prefix of the reference table, AUTRE when none.
categorised as (
    select
        named.*,
        coalesce(categories.categorie, 'AUTRE') as categorie_acheteur
    from named
    left join {{ ref('categories_acheteurs') }} as categories
        on starts_with(named.acheteur_siren, categories.prefixe_siren)
    qualify row_number() over (
            partition by named.annee, named.acheteur_siren
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
