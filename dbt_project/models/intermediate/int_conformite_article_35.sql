-- Article 35 of the Climat et résilience law (Code de la commande publique L2112-2 and L2112-2-1, decree
-- 2022-767), for consultations launched from 21 August 2026: every contract carries an environmental condition
-- in its execution, and one at or above the EU threshold of its kind a social or employment condition (an
-- insertion clause or a reserved contract: an award criterion alone does not do), unless the buyer documents a
-- legal exception. One row per contract of the Département in scope, with what it lacks (published as
-- conformite_article_35, counted by year in kpi_article_35).
with marches as (
    select
        marches.* replace (coalesce(marches.exception_article_35, exceptions.exception) as exception_article_35),
        coalesce(marches.date_lancement_consultation, marches.date_notification) as date_reference,
        coalesce(
            marches.clause_insertion or (marches.marche_reserve is not null and marches.marche_reserve <> 'NON'),
            false
        ) as condition_sociale_execution
    -- the exception a contract's row documents, or else the one raw/exceptions/ gives for it
    from {{ ref('int_marches_departement') }} as marches
    left join {{ ref('stg_exceptions') }} as exceptions using (id_marche)
    where coalesce(marches.date_lancement_consultation, marches.date_notification) >= date '2026-08-21'
),

verifies as (
    select
        marches.*,
        case when marches.secteur = 'BTP' then seuils.seuil_travaux_ht else seuils.seuil_fournitures_services_ht end
            as seuil_europeen_ht,
        marches.montant_ht >= case
            when marches.secteur = 'BTP' then seuils.seuil_travaux_ht else seuils.seuil_fournitures_services_ht
        end as au_dessus_seuil_europeen
    from marches
    left join {{ ref('seuils_europeens') }} as seuils on marches.date_reference between seuils.debut and seuils.fin
),

manques as (
    select
        *,
        coalesce(au_dessus_seuil_europeen and not condition_sociale_execution, false) as manque_condition_sociale,
        coalesce(not clause_environnementale, false) as manque_condition_environnementale
    from verifies
)

select
    id_marche,
    objet,
    famille,
    secteur,
    montant_ht,
    date_reference,
    case
        when date_lancement_consultation is not null then 'lancement de la consultation'
        else 'notification (lancement inconnu)'
    end as date_reference_source,
    seuil_europeen_ht,
    au_dessus_seuil_europeen,
    condition_sociale_execution,
    coalesce(critere_social and not condition_sociale_execution, false) as critere_social_seul,
    clause_environnementale as condition_environnementale,
    exception_article_35,
    manque_condition_sociale,
    manque_condition_environnementale,
    case
        when
            (manque_condition_sociale or not coalesce(clause_environnementale, false))
            and exception_article_35 is not null
            then 'EXCEPTION_DOCUMENTEE'
        when manque_condition_sociale or manque_condition_environnementale then 'NON_CONFORME'
        when clause_environnementale is null then 'A_VERIFIER'
        else 'CONFORME'
    end as statut
from manques
order by statut, date_reference, id_marche
