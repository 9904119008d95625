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

{#- Called by fct_heures before it deletes the rows it computes again: their paths and months, and the inserted
    rows'. -#}
{% macro noter_heures_modifiees() -%}
    create or replace table {{ heures_modifiees() }} (passage varchar, parcours_id varchar, mois date)
    {%- if is_incremental() %};
        insert into {{ heures_modifiees() }}
        select '{{ invocation_id }}', null, null
        union all
        select distinct
            '{{ invocation_id }}',
            parcours_id,
            mois
        from (
            select parcours_id, mois, fichier, id_marche from {{ this }}
            union all
            select parcours_id, mois, fichier, id_marche from {{ ref('stg_heures') }}
        )
        where {{ a_refaire('fichier', 'parcours_id', 'id_marche') }}
    {%- endif %}
{%- endmacro %}

{#
  The contracts dim_marches computes again, a night later: those whose row of stg_marches is no longer the one it
  was built from (every column of stg_marches is one of dim_marches', under the same name; the seeds it joins move
  only with the code, which rebuilds everything). At 10 M hour rows, 2 M contracts of which a few change a night:
  one comparison (1.4 s) instead of writing the table again (3.9 s), and marches_libelles follows.
  Noted in the build database with the family each had (heures_libellees reads the families), marked like the
  hours; a mark with no contract says the note is complete: without it, the models after compute all their rows.
#}
{% macro marches_modifies() -%}
    {{ target.database }}.main.marches_modifies
{%- endmacro %}

{% macro marches_a_refaire() -%}
    create or replace table {{ marches_modifies() }} (passage varchar, id_marche varchar, famille varchar)
    {%- if is_incremental() %}
        {#- (adapter.execute, not get_columns_in_relation: that one opens a transaction, and this hook writes two
            databases) -#}
        {%- set decrites = adapter.execute('describe ' ~ ref('stg_marches'), fetch=True)[1] %}
        {%- set colonnes = decrites.columns['column_name'].values() %};
        insert into {{ marches_modifies() }}
        select '{{ invocation_id }}', null, null
        union all
        select '{{ invocation_id }}', id_marche, publies.famille
        from {{ ref('stg_marches') }} as charges
        full join {{ this }} as publies using (id_marche)
        where
            ({% for c in colonnes %}charges."{{ c }}"{{ ", " if not loop.last }}{% endfor %})
            is distinct from ({% for c in colonnes %}publies."{{ c }}"{{ ", " if not loop.last }}{% endfor %});
        create or replace temp table dim_marches_a_refaire as
        select id_marche from {{ marches_modifies() }} where passage = '{{ invocation_id }}' and id_marche is not null;
        delete from {{ this }} where id_marche in (select id_marche from dim_marches_a_refaire)
    {%- endif %}
{%- endmacro %}

{#- A contract's row to compute again (`tout`: the note is incomplete, all of them). Sets the temp tables
    marches_tout and marches_a_refaire. -#}
{% macro marches_notes() -%}
    create or replace temp table marches_tout as
    select not exists (
        select 1 from {{ marches_modifies() }} where passage = '{{ invocation_id }}' and id_marche is null
    ) as tout;
    create or replace temp table marches_a_refaire as
    select id_marche, famille
    from {{ marches_modifies() }}
    where passage = '{{ invocation_id }}' and id_marche is not null
{%- endmacro %}

{#- marches_libelles, a night later: the rows of the contracts dim_marches computed again. -#}
{% macro libelles_a_refaire() -%}
    {{ marches_notes() }};
    delete from {{ this }}
    where (select tout from marches_tout) or id_marche in (select id_marche from marches_a_refaire)
{%- endmacro %}

{#- The months heures_libellees computes again (all of them when fct_heures left no mark): those of the hour rows
    fct_heures deleted or inserted, and those with hours on a contract whose family moved. It keeps the others'
    rows aside and empties itself: the model writes them back with the new months, in its order. -#}
{% macro mois_libelles_a_refaire() -%}
    create or replace temp table heures_libellees_tout as
    select not exists (
        select 1 from {{ heures_modifiees() }} where passage = '{{ invocation_id }}' and parcours_id is null
    ) as tout;
    create or replace temp table mois_libelles_a_refaire as
    select mois
    from {{ heures_modifiees() }}
    where passage = '{{ invocation_id }}' and mois is not null
    union
    select h.mois
    from {{ ref('fct_heures') }} as h
    where h.id_marche in (
        select avant.id_marche
        from {{ marches_modifies() }} as avant
        left join {{ ref('dim_marches') }} as apres on avant.id_marche = apres.id_marche
        where avant.passage = '{{ invocation_id }}' and avant.famille is distinct from apres.famille
    );
    create or replace temp table heures_libellees_gardees as
    select *
    from {{ this }}
    where not (select tout from heures_libellees_tout) and mois not in (select mois from mois_libelles_a_refaire);
    delete from {{ this }}
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

{#
  The build database's incremental tables (stg_participants, int_sorties) are not published: a failed run may leave
  them ahead of the published warehouse. Each keeps, beside it and written in its own transaction, what it was
  built from; a run that finds something else there computes all its rows again.
#}
{% macro construction_de(model) -%}
    {{ target.database }}.{{ model.schema }}.{{ model.identifier }}_construction
{%- endmacro %}

{#- Called after the model's rows, in its transaction: what they were built from. -#}
{% macro noter_construction(construction) -%}
    create or replace table {{ construction_de(this) }} as
    select {{ construction }} as construction, {{ as_of() }} as as_of
{%- endmacro %}

{#- What this run builds the candidate from (pipeline/warehouse/database.py, record_build), as a hash. -#}
{% macro construction_du_passage() -%}
    '{{ var("construction", "") }}'
{%- endmacro %}

{#- The participant rows as loaded: the fingerprint the ingest wrote with them (pipeline/warehouse/database.py). -#}
{% macro participants_charges() -%}
    (select empreinte from {{ target.database }}.landing._empreintes where type_extrait = 'participants')
{%- endmacro %}

{#- The paths stg_participants computes again: all of them unless it was built from these participant rows; then
    those with an exit date the new as-of date shows or hides. -#}
{% macro participants_a_refaire() -%}
    create table if not exists {{ construction_de(this) }} (construction varchar, as_of date);
    create or replace temp table construction_reprise as
    select as_of
    from {{ construction_de(this) }}
    where construction = {{ participants_charges() }};
    create or replace temp table stg_participants_a_refaire as
    select parcours_id
    from {{ source('landing', 'participants') }}
    where
        not exists (select 1 from construction_reprise)
        or (
            date_sortie > (select least(as_of, {{ as_of() }}) from construction_reprise)
            and date_sortie <= (select greatest(as_of, {{ as_of() }}) from construction_reprise)
        );
    delete from {{ this }}
    where
        not exists (select 1 from construction_reprise)
        or parcours_id in (select parcours_id from stg_participants_a_refaire)
{%- endmacro %}

{#- Sets the temp table `<nom>_tout`: whether the model (a build-database table) computes all its rows again, because
    refaire_tout says so, because `aussi` holds, or because it was not built beside the published warehouse this run
    starts from (a failed run may have left it ahead). Reads refaire_tout. -#}
{% macro garde_de_construction(nom, aussi='false') -%}
    create table if not exists {{ construction_de(this) }} (construction varchar, as_of date);
    create or replace temp table {{ nom }}_tout as
    select
        (select tout from refaire_tout)
        or ({{ aussi }})
        or not exists (
            select 1 from {{ construction_de(this) }} where construction = '{{ var("construction_publiee", "") }}'
        ) as tout
{%- endmacro %}

{#- The persons int_sorties computes again: all of them unless it was built beside the published warehouse this run
    starts from (var construction_publiee); then the persons behind the paths dim_parcours computes again, and those
    with an exit whose twelve months the new as-of date reaches or leaves. -#}
{% macro sorties_a_refaire() -%}
    {{ parcours_a_refaire() }};
    {{ garde_de_construction('sorties') }};
    create or replace temp table sorties_a_refaire as
    select distinct personne_id
    from {{ source('landing', 'participants') }}
    where parcours_id in (select parcours_id from parcours_a_refaire)
    {%- if not extrait_modifie('participants') %}
        or {{ entre_les_arretes('date_sortie + interval 12 month') }}
    {%- endif %};
    delete from {{ this }}
    where (select tout from sorties_tout) or personne_id in (select personne_id from sorties_a_refaire)
{%- endmacro %}

{#- The persons int_sorties_principales computes again: all of them unless it was built beside the published
    warehouse this run starts from (as int_sorties), or when the contracts changed and dim_marches left no complete
    note; then the persons behind the paths dim_parcours computes again (their hours or their exit moved), and those
    with hours on a contract whose family moved (a contract new or gone included). -#}
{% macro principales_a_refaire() -%}
    {{ parcours_a_refaire() }};
    {{ marches_notes() }};
    {{ garde_de_construction('principales', extrait_modifie('marches') ~ ' and (select tout from marches_tout)') }};
    create or replace temp table principales_a_refaire as
    select personne_id
    from {{ source('landing', 'participants') }}
    where parcours_id in (select parcours_id from parcours_a_refaire)
    union
    select h.personne_id
    from {{ ref('fct_heures') }} as h
    where h.id_marche in (
        select avant.id_marche
        from marches_a_refaire as avant
        left join {{ ref('dim_marches') }} as apres on avant.id_marche = apres.id_marche
        where avant.famille is distinct from apres.famille
    );
    delete from {{ this }}
    where {{ principale_a_refaire('personne_id') }}
{%- endmacro %}

{#- A row of int_sorties_principales to compute again, by its person column. -#}
{% macro principale_a_refaire(colonne) -%}
    ((select tout from principales_tout) or {{ colonne }} in (select personne_id from principales_a_refaire))
{%- endmacro %}
