-- Completeness of the fields the indicators need, per source and year: the SPASER's data-collection goal.
with marches as (
    select
        'marches' as source,
        annee_notification as annee,
        count(*) as nb_lignes,
        count(*) filter (where clause_insertion is not null) as clause_renseignee,
        count(*) filter (where cpv is not null) as cpv_renseigne,
        count(*) filter (where commune_execution is not null) as commune_renseignee,
        count(*) filter (where clause_insertion) as nb_clause,
        count(*) filter (where clause_insertion and facilitateur is not null) as facilitateur_renseigne,
        count(*) filter (where date_notification_estimee) as date_estimee
    from {{ ref('int_marches_departement') }}
    group by annee_notification
),

heures as (
    select
        'heures' as source,
        annee,
        count(*) as nb_lignes,
        count(*) filter (where type_contrat is not null) as type_contrat_renseigne,
        count(*) filter (where employeur_nom is not null) as employeur_nom_renseigne,
        count(*) filter (where mois_hors_periode_marche) as mois_hors_periode_marche
    from {{ ref('fct_heures') }}
    group by annee
),

participants as (
    select
        'participants' as source,
        cast(year(p.date_entree) as integer) as annee,
        count(*) as nb_lignes,
        count(*) filter (where p.commune_residence is not null) as commune_renseignee,
        count(*) filter (where p.niveau_formation is not null) as niveau_renseigne,
        count(*) filter (where p.qpv is not null) as qpv_renseigne,
        count(*) filter (where s.sortie_observable) as nb_sorties_observables,
        count(*) filter (where s.sortie_observable and s.categorie_sortie <> 'situation inconnue') as situation_connue
    from {{ ref('stg_participants') }} as p
    inner join {{ ref('dim_parcours') }} as s using (parcours_id, episode)
    group by 2
),

long as (
    select
        source,
        annee,
        'clause_insertion' as champ,
        nb_lignes as nb_attendus,
        clause_renseignee as nb_renseignes
    from marches
    union all
    select
        source,
        annee,
        'cpv',
        nb_lignes,
        cpv_renseigne
    from marches
    union all
    select
        source,
        annee,
        'commune_execution',
        nb_lignes,
        commune_renseignee
    from marches
    union all
    select
        source,
        annee,
        'facilitateur (marchés avec clause)',
        nb_clause,
        facilitateur_renseigne
    from marches
    union all
    select
        source,
        annee,
        'date_notification exacte',
        nb_lignes,
        nb_lignes - date_estimee
    from marches
    union all
    select
        source,
        annee,
        'type_contrat',
        nb_lignes,
        type_contrat_renseigne
    from heures
    union all
    select
        source,
        annee,
        'employeur_nom',
        nb_lignes,
        employeur_nom_renseigne
    from heures
    union all
    select
        source,
        annee,
        'mois dans la période du marché',
        nb_lignes,
        nb_lignes - mois_hors_periode_marche
    from heures
    union all
    select
        source,
        annee,
        'commune_residence',
        nb_lignes,
        commune_renseignee
    from participants
    union all
    select
        source,
        annee,
        'niveau_formation',
        nb_lignes,
        niveau_renseigne
    from participants
    union all
    select
        source,
        annee,
        'qpv',
        nb_lignes,
        qpv_renseigne
    from participants
    union all
    select
        source,
        annee,
        'situation_6_mois (sorties observables)',
        nb_sorties_observables,
        situation_connue
    from participants
)

select
    source,
    annee,
    champ,
    nb_attendus,
    nb_renseignes,
    {{ ratio("nb_renseignes", "nb_attendus") }} as taux_completude
from long
order by source, annee, champ
