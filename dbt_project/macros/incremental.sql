{#
  What changed since the published warehouse was built, for the incremental models of a night: the run passes
  `extraits_modifies` (the kinds whose landing tables were built from other files) and `as_of_publie` (that
  warehouse's as-of date) when dbt starts from a copy of it (pipeline/warehouse/database.py, record_build).
  Without them, everything is taken as changed: a model then computes all its rows again.
#}

{#- True unless the run says this kind's landing tables are those the published warehouse was built from. -#}
{% macro extrait_modifie(name) -%}
    {{ return(name in var('extraits_modifies', [name]) or var('as_of_publie', none) is none) }}
{%- endmacro %}

{#- A date moves a row's figures when it lies between the published as-of date and this run's, either way. -#}
{% macro entre_les_arretes(expression) -%}
    ({{ expression }} > least(cast('{{ var("as_of_publie") }}' as date), {{ as_of() }})
    and {{ expression }} <= greatest(cast('{{ var("as_of_publie") }}' as date), {{ as_of() }}))
{%- endmacro %}

{#
  The paths whose hour rows fct_heures deleted or inserted in this run, kept in the build database (never published)
  for the models read after it. Marked with dbt's invocation id: a model run without fct_heures before it, in the
  same invocation, finds no mark and computes all its rows again.
#}
{% macro heures_modifiees() -%}
    {{ target.database }}.main.heures_modifiees
{%- endmacro %}

{#- Called by fct_heures before it deletes the rows it computes again: their paths, and the inserted rows'. -#}
{% macro noter_heures_modifiees() -%}
    create or replace table {{ heures_modifiees() }} (passage varchar, parcours_id varchar)
    {%- if is_incremental() %};
        insert into {{ heures_modifiees() }}
        select '{{ invocation_id }}', null
        union all
        select distinct
            '{{ invocation_id }}',
            parcours_id
        from (
            select parcours_id, fichier, id_marche from {{ this }}
            union all
            select parcours_id, fichier, id_marche from {{ ref('stg_heures') }}
        )
        where {{ a_refaire('fichier', 'parcours_id', 'id_marche') }}
    {%- endif %}
{%- endmacro %}

{#- Whether a model computes all its rows again: a participant file changed, or fct_heures left no mark. -#}
{% macro refaire_tout() -%}
    create or replace temp table refaire_tout as
    select
        {{ extrait_modifie('participants') }}
        or not exists (
            select 1 from {{ heures_modifiees() }} where passage = '{{ invocation_id }}' and parcours_id is null
        ) as tout
{%- endmacro %}

{#- The paths dim_parcours computes again: their hours changed, or the new as-of date moves their exit. -#}
{% macro parcours_a_refaire() -%}
    {{ refaire_tout() }};
    create or replace temp table parcours_a_refaire as
    select parcours_id
    from {{ heures_modifiees() }}
    where passage = '{{ invocation_id }}' and parcours_id is not null
    {%- if not extrait_modifie('participants') %}
        union
        -- an exit the as-of date now shows or hides, or whose situation becomes observable (6 months on)
        select parcours_id
        from {{ source('landing', 'participants') }}
        where {{ entre_les_arretes('date_sortie') }} or {{ entre_les_arretes('date_sortie + interval 6 month') }}
    {%- endif %}
{%- endmacro %}

{#- The persons dim_personnes computes again: those behind the paths whose hours changed (the as-of date plays no
    part in their row). -#}
{% macro personnes_a_refaire() -%}
    {{ refaire_tout() }};
    create or replace temp table personnes_a_refaire as
    select distinct personne_id
    from {{ ref('stg_participants') }}
    where parcours_id in (
        select parcours_id from {{ heures_modifiees() }}
        where passage = '{{ invocation_id }}' and parcours_id is not null
    )
{%- endmacro %}

{#- A row to compute again, by its path or person column (`cle`: parcours or personnes). -#}
{% macro a_refaire_dans(cle, colonne) -%}
    ((select tout from refaire_tout)
    or {{ colonne }} in (select {{ 'parcours_id' if cle == 'parcours' else 'personne_id' }} from {{ cle }}_a_refaire))
{%- endmacro %}
