{#
  The indicators of indicators.md, computed per period: `periodes` is a relation with
  (periode, debut, fin). kpi_annuel passes calendar years, kpi_spaser the SPASER period, so that
  distinct counts are distinct over each period, never sums of years.
#}

{% macro outcome_columns(alias='') -%}
    {%- set p = alias ~ '.' if alias else '' -%}
    count(*) filter (where {{ p }}sortie_observable) as nb_sortants,
    count(*) filter (where {{ p }}est_sorti and not {{ p }}sortie_observable) as nb_sortants_en_attente,
    count(*) filter (where {{ p }}sortie_observable and {{ p }}categorie_sortie <> 'situation inconnue') as nb_sortants_situation_connue,
    {{ ratio("count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie <> 'situation inconnue')",
             "count(*) filter (where " ~ p ~ "sortie_observable)") }} as taux_situation_connue,
    {{ ratio("count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie = 'emploi durable')",
             "count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie <> 'situation inconnue')") }} as taux_emploi_durable,
    {{ ratio("count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie = 'emploi de transition')",
             "count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie <> 'situation inconnue')") }} as taux_emploi_transition,
    {{ ratio("count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie = 'sortie positive')",
             "count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie <> 'situation inconnue')") }} as taux_sortie_positive,
    {{ ratio("count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie in ('emploi durable', 'emploi de transition', 'sortie positive'))",
             "count(*) filter (where " ~ p ~ "sortie_observable and " ~ p ~ "categorie_sortie <> 'situation inconnue')") }} as taux_sorties_dynamiques
{%- endmacro %}

{% macro kpi_par_periode(periodes) %}
with periodes as (
    select * from {{ periodes }}
),

marches as (
    select periodes.periode, m.*
    from {{ ref('dim_marches') }} as m
    inner join periodes on m.date_notification between periodes.debut and periodes.fin
),

k_marches as (
    select
        periode,
        count(*) as nb_marches,
        {{ sum_hundredths("montant_ht") }} as montant_marches_ht,
        count(*) filter (where est_eligible_clause) as nb_marches_eligibles,
        count(*) filter (where est_eligible_clause and clause_insertion) as nb_marches_eligibles_avec_clause,
        count(*) filter (where clause_insertion) as nb_marches_clause,
        {{ sum_hundredths("montant_ht", "clause_insertion") }} as montant_marches_clause_ht,
        count(*) filter (where clause_insertion and secteur = 'SERVICES') as nb_marches_clause_services,
        count(*) filter (where clause_insertion and famille = 'PRESTATIONS_INTELLECTUELLES') as nb_marches_clause_prestations_intellectuelles,
        count(*) filter (where critere_social) as nb_marches_critere_social,
        count(*) filter (where marche_reserve is not null and marche_reserve <> 'NON') as nb_marches_reserves,
        {{ sum_hundredths("montant_ht", "marche_reserve is not null and marche_reserve <> 'NON'") }} as montant_marches_reserves_ht,
        {{ sum_hundredths("heures_insertion_prevues", "clause_insertion") }} as heures_prevues
    from marches
    group by periode
),

heures as (
    select periodes.periode, h.*
    from {{ ref('fct_heures') }} as h
    inner join periodes on h.mois between periodes.debut and periodes.fin
),

k_heures as (
    select
        periode,
        {{ sum_hundredths("heures") }} as heures_realisees,
        count(distinct personne_id) as nb_participants,
        count(distinct employeur_siret) as nb_employeurs,
        count(distinct id_marche) as nb_marches_actifs
    from heures
    group by periode
),

k_nouveaux as (
    select periodes.periode, count(*) as nb_nouveaux_participants
    from {{ ref('dim_personnes') }} as p
    inner join periodes on p.premier_mois_heures between periodes.debut and periodes.fin
    group by periodes.periode
),

k_profil as (
    select
        persons.periode,
        {{ ratio("count(*) filter (where p.sexe = 'F')", "count(*)") }} as part_femmes,
        {{ ratio("count(*) filter (where p.moins_26_ans)", "count(*)") }} as part_moins_26_ans,
        {{ ratio("count(*) filter (where p.age_50_ans_et_plus)", "count(*)") }} as part_50_ans_et_plus,
        {{ ratio("count(*) filter (where p.qpv)", "count(*)") }} as part_qpv,
        {{ ratio("count(*) filter (where p.brsa)", "count(*)") }} as part_brsa,
        {{ ratio("count(*) filter (where p.deld)", "count(*)") }} as part_deld,
        {{ ratio("count(*) filter (where p.rqth)", "count(*)") }} as part_rqth,
        {{ ratio("count(*) filter (where p.jeune_sans_qualification)", "count(*)") }} as part_jeunes_sans_qualification
    from (select distinct periode, personne_id from heures) as persons
    inner join {{ ref('dim_personnes') }} as p using (personne_id)
    group by persons.periode
),

k_sorties as (
    select periodes.periode, {{ outcome_columns('s') }}
    from {{ ref('dim_parcours') }} as s
    inner join periodes on s.date_sortie between periodes.debut and periodes.fin
    group by periodes.periode
),

k_execution as (
    select
        periodes.periode,
        {{ ratio("sum(e.heures_realisees)", "sum(e.heures_prevues)") }} as taux_realisation_marches_acheves
    from {{ ref('marche_execution') }} as e
    inner join periodes on e.date_fin between periodes.debut and periodes.fin
    where e.date_fin <= {{ as_of() }}
    group by periodes.periode
)

select
    periodes.periode,
    periodes.debut as periode_debut,
    periodes.fin as periode_fin,
    coalesce(k_marches.nb_marches, 0) as nb_marches,
    coalesce(k_marches.montant_marches_ht, 0) as montant_marches_ht,
    coalesce(k_marches.nb_marches_eligibles, 0) as nb_marches_eligibles,
    coalesce(k_marches.nb_marches_eligibles_avec_clause, 0) as nb_marches_eligibles_avec_clause,
    {{ ratio("k_marches.nb_marches_eligibles_avec_clause", "k_marches.nb_marches_eligibles") }} as taux_couverture_clause,
    coalesce(k_marches.nb_marches_clause, 0) as nb_marches_clause,
    coalesce(k_marches.montant_marches_clause_ht, 0) as montant_marches_clause_ht,
    coalesce(k_marches.nb_marches_clause_services, 0) as nb_marches_clause_services,
    coalesce(k_marches.nb_marches_clause_prestations_intellectuelles, 0) as nb_marches_clause_prestations_intellectuelles,
    coalesce(k_marches.nb_marches_critere_social, 0) as nb_marches_critere_social,
    {{ ratio("k_marches.nb_marches_critere_social", "k_marches.nb_marches") }} as part_marches_critere_social,
    coalesce(k_marches.nb_marches_reserves, 0) as nb_marches_reserves,
    coalesce(k_marches.montant_marches_reserves_ht, 0) as montant_marches_reserves_ht,
    coalesce(k_marches.heures_prevues, 0) as heures_prevues,
    coalesce(k_heures.heures_realisees, 0) as heures_realisees,
    coalesce(k_heures.heures_realisees, 0) / {{ heures_etp() }} as etp,
    coalesce(k_heures.nb_participants, 0) as nb_participants,
    coalesce(k_nouveaux.nb_nouveaux_participants, 0) as nb_nouveaux_participants,
    coalesce(k_heures.nb_employeurs, 0) as nb_employeurs,
    coalesce(k_heures.nb_marches_actifs, 0) as nb_marches_actifs,
    k_profil.part_femmes,
    k_profil.part_moins_26_ans,
    k_profil.part_50_ans_et_plus,
    k_profil.part_qpv,
    k_profil.part_brsa,
    k_profil.part_deld,
    k_profil.part_rqth,
    k_profil.part_jeunes_sans_qualification,
    coalesce(k_sorties.nb_sortants, 0) as nb_sortants,
    coalesce(k_sorties.nb_sortants_en_attente, 0) as nb_sortants_en_attente,
    coalesce(k_sorties.nb_sortants_situation_connue, 0) as nb_sortants_situation_connue,
    k_sorties.taux_situation_connue,
    k_sorties.taux_emploi_durable,
    k_sorties.taux_emploi_transition,
    k_sorties.taux_sortie_positive,
    k_sorties.taux_sorties_dynamiques,
    k_execution.taux_realisation_marches_acheves
from periodes
left join k_marches using (periode)
left join k_heures using (periode)
left join k_nouveaux using (periode)
left join k_profil using (periode)
left join k_sorties using (periode)
left join k_execution using (periode)
{% endmacro %}
