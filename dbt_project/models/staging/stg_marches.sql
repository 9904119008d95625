with source as (
    select * from {{ source('landing', 'marches') }}
),

renamed as (
    select
        id_marche,
        objet,
        famille,
        cpv,
        procedure as procedure_passation,
        date_notification,
        coalesce(date_estimee, false) as date_notification_estimee,
        duree_mois,
        montant_ht,
        montant_initial_ht,
        nb_modifications,
        titulaire_siret,
        titulaire_nom,
        titulaire_id,
        titulaire_type_id,
        commune_execution,
        clause_insertion,
        heures_insertion_prevues,
        critere_social,
        marche_reserve,
        facilitateur,
        clause_environnementale,
        critere_environnemental,
        date_lancement_consultation,
        exception_article_35,
        source as origine,
        acheteur_siret,
        acheteur_siren,
        acheteur_nom,
        perimetre,
        fichier,
        ligne
    from source
)

select * from renamed
