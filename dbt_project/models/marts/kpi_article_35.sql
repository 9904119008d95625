-- Compliance with article 35, by year of the consultation's launch (or of the notification when the launch is not
-- known): the share of contracts at or above the EU threshold with a social execution condition, and of all
-- contracts with an environmental one (over those whose environmental considerations are known).
select
    cast(year(date_reference) as integer) as annee,
    count(*) as nb_marches_concernes,
    count(*) filter (where date_reference_source <> 'lancement de la consultation') as nb_dates_de_notification,
    count(*) filter (where au_dessus_seuil_europeen) as nb_marches_au_dessus_seuil,
    count(*) filter (where au_dessus_seuil_europeen and condition_sociale_execution)
        as nb_marches_au_dessus_seuil_avec_condition_sociale,
    {{ ratio("count(*) filter (where au_dessus_seuil_europeen and condition_sociale_execution)",
             "count(*) filter (where au_dessus_seuil_europeen)") }} as part_condition_sociale_au_dessus_seuil,
    count(*) filter (where condition_environnementale is not null) as nb_conditions_environnementales_connues,
    count(*) filter (where condition_environnementale) as nb_marches_avec_condition_environnementale,
    {{ ratio("count(*) filter (where condition_environnementale)",
             "count(*) filter (where condition_environnementale is not null)") }} as part_condition_environnementale,
    count(*) filter (where statut = 'EXCEPTION_DOCUMENTEE') as nb_exceptions_documentees,
    count(*) filter (where statut = 'NON_CONFORME') as nb_non_conformes,
    count(*) filter (where statut = 'A_VERIFIER') as nb_a_verifier
from {{ ref('int_conformite_article_35') }}
group by all
order by annee
