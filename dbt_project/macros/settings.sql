{#
  The settings the run passes with --vars (pipeline/settings.py, Settings.dbt_vars). No default here, so
  that Python and SQL cannot disagree; `dbt parse` needs none, a model run without them stops with a reason.
#}
{% macro setting(name) -%}
    {%- set value = var(name, none) -%}
    {%- if value is none and execute -%}
        {{ exceptions.raise_compiler_error("variable dbt « " ~ name ~ " » absente : dbt se lance par `clauses run`") }}
    {%- endif -%}
    {{ return(value) }}
{%- endmacro %}

{# The as-of date of the run. #}
{% macro as_of() -%}
    cast('{{ setting("as_of") }}' as date)
{%- endmacro %}

{# Hours in one full-time equivalent (CLAUSES_HEURES_ETP). #}
{% macro heures_etp() -%}
    cast({{ setting("heures_etp") }} as double)
{%- endmacro %}

{# A ratio is NULL when its denominator is 0. #}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#
  A sum of hours or euros, to the hundredth, the same whatever order the rows are added in (tables are written in no
  set order): summed as decimals, exactly. A float sum rounded to hundredths was not: at 10 M hour rows, 2022's
  193 billion euros of contracts came out a cent apart from one build to the next.
#}
{% macro sum_hundredths(expression, where=none) -%}
    cast(round(sum(cast({{ expression }} as decimal(38, 6))){% if where %} filter (where {{ where }}){% endif %}, 2) as double)
{%- endmacro %}

{# A flag as the publics' tables show it: oui, non, or non renseigné. #}
{% macro yes_no(flag) -%}
    case when {{ flag }} then 'oui' when not {{ flag }} then 'non' else 'non renseigné' end
{%- endmacro %}

{# Months from `debut` to `fin` (dates), the last one counted by its elapsed days: a full year is 12, a year to
   4 December 11.1. #}
{% macro months_covered(debut, fin) -%}
    round(
        date_diff('month', {{ debut }}, {{ fin }}) + day({{ fin }}) / day(last_day({{ fin }})), 1
    )
{%- endmacro %}
