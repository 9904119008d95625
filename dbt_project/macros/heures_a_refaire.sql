{#
  fct_heures, a night later: which of its rows to compute again, found before any is deleted. The files whose
  rows are no longer those loaded (a new file, a month replaced, held hours released, a file removed: compared by
  count and a sum of row hashes), the paths whose person changed (only when the participant rows did), the
  contracts whose dates moved a month in or out of their period (only when the contract rows did). Their rows are
  deleted here, and the model inserts them again (tests/test_nightly.py compares the result with a full rebuild,
  table by table). Their paths are noted first, for the models read after it.
#}
{% macro heures_a_refaire() %}
    {% if is_incremental() %}
        create or replace temp table heures_a_refaire as
        with charges as (
            select fichier, count(*) as n, sum(hash({{ colonnes_du_fichier() }})) as empreinte
            from {{ ref('stg_heures') }} group by fichier
        ),
        publies as (
            select fichier, count(*) as n, sum(hash({{ colonnes_du_fichier() }})) as empreinte
            from {{ this }} group by fichier
        )
        select 'fichier' as cle, fichier as valeur
        from charges full join publies using (fichier)
        where charges.n is distinct from publies.n or charges.empreinte is distinct from publies.empreinte
        union all
        select distinct 'parcours', h.parcours_id
        from {{ this }} as h left join ({{ personne_du_parcours() }}) as p using (parcours_id)
        -- (a constant false skips the join: 2.3 s at 10 M rows on the nights the participant rows stay)
        where {{ extrait_modifie('participants') }} and h.personne_id is distinct from p.personne_id
        union all
        select distinct 'marche', h.id_marche
        from {{ this }} as h left join {{ ref('dim_marches') }} as m using (id_marche)
        where
            {{ extrait_modifie('marches') }}
            and h.mois_hors_periode_marche is distinct from {{ mois_hors_periode('h', 'm') }};
        {{ noter_heures_modifiees() }};
        delete from {{ this }} where {{ a_refaire('fichier', 'parcours_id', 'id_marche') }}
    {% else %}
        {{ noter_heures_modifiees() }}
    {% endif %}
{% endmacro %}

{#- A row to compute again, by its file, path and contract columns. -#}
{% macro a_refaire(fichier, parcours, marche) -%}
    ({{ fichier }} in (select valeur from heures_a_refaire where cle = 'fichier')
    or {{ parcours }} in (select valeur from heures_a_refaire where cle = 'parcours')
    or {{ marche }} in (select valeur from heures_a_refaire where cle = 'marche'))
{%- endmacro %}
