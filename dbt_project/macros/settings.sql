{# The as-of date and the ETP divisor, from the same settings as the Python side. #}
{% macro as_of() -%}
    cast('{{ env_var("CLAUSES_AS_OF", "") or modules.datetime.date.today().isoformat() }}' as date)
{%- endmacro %}

{% macro heures_etp() -%}
    cast({{ env_var("CLAUSES_HEURES_ETP", "1607") }} as double)
{%- endmacro %}

{# A ratio is NULL when its denominator is 0. #}
{% macro ratio(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif({{ denominator }}, 0)
{%- endmacro %}

{#
  A sum of hours or euros. Both are written in hundredths at most: rounding the float sum to them makes it
  exact, and the same whatever order the rows are added in (tables are written in no set order).
#}
{% macro sum_hundredths(expression, where=none) -%}
    round(sum({{ expression }}){% if where %} filter (where {{ where }}){% endif %}, 2)
{%- endmacro %}
