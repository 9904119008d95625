{#
  The national indicator's columns (PNAD 2022-2025, docs/indicateurs.md) from a relation of counts and amounts
  (`alias`): the contracts whose social considerations are known, those with at least one, and the shares.
#}
{% macro social_consideration_columns(alias) -%}
    coalesce({{ alias }}.nb_marches_considerations_connues, 0) as nb_marches_considerations_connues,
    coalesce({{ alias }}.nb_marches_consideration_sociale, 0) as nb_marches_consideration_sociale,
    {{ ratio(alias ~ ".nb_marches_consideration_sociale", alias ~ ".nb_marches_considerations_connues") }}
        as part_marches_consideration_sociale,
    coalesce({{ alias }}.montant_marches_considerations_connues_ht, 0) as montant_marches_considerations_connues_ht,
    coalesce({{ alias }}.montant_marches_consideration_sociale_ht, 0) as montant_marches_consideration_sociale_ht,
    {{ ratio("coalesce(" ~ alias ~ ".montant_marches_consideration_sociale_ht, 0)",
             alias ~ ".montant_marches_considerations_connues_ht") }} as part_montant_consideration_sociale
{%- endmacro %}

{# The environmental twin of the national indicator (PNAD 2022-2025: 100 % of contracts in 2025). #}
{% macro environmental_consideration_columns(alias) -%}
    coalesce({{ alias }}.nb_marches_considerations_environnementales_connues, 0)
        as nb_marches_considerations_environnementales_connues,
    coalesce({{ alias }}.nb_marches_consideration_environnementale, 0) as nb_marches_consideration_environnementale,
    {{ ratio(alias ~ ".nb_marches_consideration_environnementale",
             alias ~ ".nb_marches_considerations_environnementales_connues") }}
        as part_marches_consideration_environnementale
{%- endmacro %}
