{# The outcomes an exit can count for, each with its kpi column suffix and the category (or categories) it counts. #}
{% macro outcomes() -%}
    {{ return({
        "emploi_durable": ["emploi durable"],
        "emploi_transition": ["emploi de transition"],
        "sortie_positive": ["sortie positive"],
        "sorties_dynamiques": ["emploi durable", "emploi de transition", "sortie positive"],
    }) }}
{%- endmacro %}

{#
  What an exit counts for (docs/indicateurs.md, résultats), from whether it is observable and its category:
  the flags every outcome table counts, worked out here once.
#}
{% macro exit_flags(observable, categorie) -%}
    {{ observable }} as sortie_observable,
    not {{ observable }} as sortie_en_attente,
    {{ observable }} and {{ categorie }} <> 'situation inconnue' as situation_connue,
    {{ observable }} and {{ categorie }} = 'situation inconnue' as situation_inconnue,
    {%- for name, categories in outcomes().items() %}
        {{ observable }} and {{ categorie }} in ('{{ categories | join("', '") }}') as {{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# The exits of a group, counted from the flags of exit_flags (`alias`: its relation in the query). #}
{% macro outcome_counts(alias) -%}
    count(*) filter (where {{ alias }}.sortie_observable) as nb_sortants,
    count(*) filter (where {{ alias }}.sortie_en_attente) as nb_sortants_en_attente,
    count(*) filter (where {{ alias }}.situation_connue) as nb_sortants_situation_connue,
    count(*) filter (where {{ alias }}.situation_inconnue) as nb_sortants_situation_inconnue,
    {%- for name in outcomes() %}
    count(*) filter (where {{ alias }}.{{ name }}) as nb_{{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# The same counts summed over groups already counted (`alias`: a relation of outcome_counts). #}
{% macro outcome_count_sums(alias) -%}
    {%- for name in ['sortants', 'sortants_en_attente', 'sortants_situation_connue', 'sortants_situation_inconnue']
        + outcomes() | list %}
    sum({{ alias }}.nb_{{ name }}) as nb_{{ name }}{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{#
  The 95 % Wilson score interval of `x` successes among `n` (NULL when n is 0): unlike the normal
  approximation it stays within [0, 1] and holds for the small counts of a facilitator or a public.
#}
{% macro wilson(x, n, side) -%}
    {%- set z = 1.959963984540054 -%}
    {%- set p = "cast(" ~ x ~ " as double) / (" ~ n ~ ")" -%}
    case when {{ n }} > 0 then
        (
            {{ p }} + {{ z * z }} / (2 * ({{ n }}))
            {{ "-" if side == "bas" else "+" }} {{ z }}
            * sqrt({{ p }} * (1 - {{ p }}) / ({{ n }}) + {{ z * z }} / (4 * ({{ n }}) * ({{ n }})))
        ) / (1 + {{ z * z }} / ({{ n }}))
    end
{%- endmacro %}

{#
  The outcome columns every outcome table shows, from a relation of outcome_counts (`alias`). For each outcome,
  with N observable exits, U of unknown situation and D in the outcome: the rate among known situations D/(N-U)
  with its 95 % Wilson interval; the range the rate lies in whatever the unknown ones became, D/N (all failed) to
  (D+U)/N (all succeeded); and that range widened by chance, from the low end of D/N's interval to the high end
  of (D+U)/N's.
#}
{% macro outcome_columns(alias) -%}
    {%- set n = "coalesce(" ~ alias ~ ".nb_sortants, 0)" -%}
    {%- set u = "coalesce(" ~ alias ~ ".nb_sortants_situation_inconnue, 0)" -%}
    {%- set k = "coalesce(" ~ alias ~ ".nb_sortants_situation_connue, 0)" -%}
    {{ n }} as nb_sortants,
    coalesce({{ alias }}.nb_sortants_en_attente, 0) as nb_sortants_en_attente,
    {{ k }} as nb_sortants_situation_connue,
    {{ u }} as nb_sortants_situation_inconnue,
    {{ ratio(k, n) }} as taux_situation_connue,
    {%- for name in outcomes() %}
        {{ ratio(alias ~ ".nb_" ~ name, k) }} as taux_{{ name }},
    {%- endfor %}
    {%- for name in outcomes() %}
        {%- set d = "coalesce(" ~ alias ~ ".nb_" ~ name ~ ", 0)" %}
        {{ d }} as nb_{{ name }},
        {{ wilson(d, k, "bas") }} as taux_{{ name }}_ic_bas,
        {{ wilson(d, k, "haut") }} as taux_{{ name }}_ic_haut,
        {{ ratio(d, n) }} as taux_{{ name }}_bas,
        {{ ratio(d ~ " + " ~ u, n) }} as taux_{{ name }}_haut,
        {{ wilson(d, n, "bas") }} as taux_{{ name }}_fourchette_ic_bas,
        {{ wilson(d ~ " + " ~ u, n, "haut") }} as taux_{{ name }}_fourchette_ic_haut{{ "," if not loop.last }}
    {%- endfor %}
{%- endmacro %}

{# Whether a kpi_annuel column (`column`: a SQL text) counts exits: known 6 months after each exit only. #}
{% macro is_outcome_indicator(column) -%}
    regexp_matches({{ column }}, '^(nb|taux)_(sorti|emploi|situation)')
{%- endmacro %}
