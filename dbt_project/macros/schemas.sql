{# The schemas are named exactly `marts`, `qualite`, `staging`: no target prefix. #}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
