{# The exits of a group, counted from the flags of int_sorties (`alias`: its relation in the query). #}
{% macro outcome_counts(alias) -%}
    count(*) filter (where {{ alias }}.sortie_observable) as nb_sortants,
    count(*) filter (where {{ alias }}.sortie_en_attente) as nb_sortants_en_attente,
    count(*) filter (where {{ alias }}.situation_connue) as nb_sortants_situation_connue,
    count(*) filter (where {{ alias }}.emploi_durable) as nb_emploi_durable,
    count(*) filter (where {{ alias }}.emploi_transition) as nb_emploi_transition,
    count(*) filter (where {{ alias }}.sortie_positive) as nb_sortie_positive,
    count(*) filter (where {{ alias }}.sortie_dynamique) as nb_sortie_dynamique
{%- endmacro %}

{#
  The outcome columns every outcome table shows, from a relation of outcome_counts (`alias`): the counts,
  and each rate over its denominator (docs/indicateurs.md: employment rates over the exits whose situation is known).
#}
{% macro outcome_columns(alias) -%}
    {%- set connues = alias ~ ".nb_sortants_situation_connue" -%}
    coalesce({{ alias }}.nb_sortants, 0) as nb_sortants,
    coalesce({{ alias }}.nb_sortants_en_attente, 0) as nb_sortants_en_attente,
    coalesce({{ connues }}, 0) as nb_sortants_situation_connue,
    {{ ratio(connues, alias ~ ".nb_sortants") }} as taux_situation_connue,
    {{ ratio(alias ~ ".nb_emploi_durable", connues) }} as taux_emploi_durable,
    {{ ratio(alias ~ ".nb_emploi_transition", connues) }} as taux_emploi_transition,
    {{ ratio(alias ~ ".nb_sortie_positive", connues) }} as taux_sortie_positive,
    {{ ratio(alias ~ ".nb_sortie_dynamique", connues) }} as taux_sorties_dynamiques
{%- endmacro %}

{# Whether a kpi_annuel column (`column`: a SQL text) counts exits: known 6 months after each exit only. #}
{% macro is_outcome_indicator(column) -%}
    regexp_matches({{ column }}, '^(nb|taux)_(sorti|emploi|situation)')
{%- endmacro %}
