-- Incremental: a night later, only the contracts whose row of stg_marches moved are computed again; the hook notes
-- them, with the family each had, for marches_libelles and heures_libellees (macros/incremental.sql; outside dbt's
-- transaction: that note goes to the build database).
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook={'sql': "{{ marches_a_refaire() }}", 'transaction': false}
) }}

with marches as (
    select * from {{ ref('stg_marches') }}
    {% if is_incremental() %}
        where id_marche in (select id_marche from dim_marches_a_refaire)
    {% endif %}
)

select
    marches.id_marche,
    marches.objet,
    marches.famille,
    familles.secteur,
    marches.cpv,
    marches.procedure_passation,
    marches.date_notification,
    marches.date_notification_estimee,
    cast(year(marches.date_notification) as integer) as annee_notification,
    marches.duree_mois,
    case when marches.duree_mois is not null
            then cast(marches.date_notification + to_months(marches.duree_mois) as date)
    end as date_fin,
    marches.montant_ht,
    marches.montant_initial_ht,
    marches.nb_modifications,
    marches.titulaire_siret,
    marches.titulaire_nom,
    marches.titulaire_id,
    marches.titulaire_type_id,
    marches.commune_execution,
    communes.territoire as territoire_execution,
    marches.commune_execution is not null and communes.code_insee is null as commune_hors_departement,
    marches.clause_insertion,
    marches.heures_insertion_prevues,
    marches.critere_social,
    marches.marche_reserve,
    marches.facilitateur,
    -- The Département's rule for a mandatory clause; a DECP contract whose clause is unknown is not counted.
    familles.secteur = 'BTP'
    and marches.montant_ht >= {{ var('seuil_clause_btp_ht') }}
    and marches.clause_insertion is not null as est_eligible_clause,
    -- The national indicator's scope (PNAD, docs/indicateurs.md): from the DECP threshold, social considerations known.
    marches.montant_ht >= {{ var('seuil_decp_ht') }}
    and marches.clause_insertion is not null as dans_perimetre_pnad,
    coalesce(
        marches.clause_insertion or marches.critere_social or marches.marche_reserve <> 'NON', false
    ) as consideration_sociale,
    marches.clause_environnementale,
    marches.critere_environnemental,
    -- The national indicator's environmental twin: from the DECP threshold, environmental considerations known.
    marches.montant_ht >= {{ var('seuil_decp_ht') }}
    and marches.clause_environnementale is not null as dans_perimetre_pnad_environnement,
    coalesce(marches.clause_environnementale or marches.critere_environnemental, false)
        as consideration_environnementale,
    marches.date_lancement_consultation,
    marches.exception_article_35,
    marches.origine,
    marches.perimetre,
    marches.acheteur_siren,
    marches.acheteur_siret,
    marches.acheteur_nom,
    marches.fichier,
    marches.ligne
from marches
left join {{ ref('familles') }} as familles using (famille)
left join {{ ref('communes_territoires') }} as communes on marches.commune_execution = communes.code_insee
