-- Each exit's main purchasing family and main modality: those of the most hours its person worked up to the exit
-- (on a tie, the first in order). One row per exit of int_sorties with hours, and axis (famille, modalite).
-- Worked out apart from kpi_sorties_publics because it is the costly part (every hour row joined to every exit of
-- its person: 5 s of 6.5 at 10 M hour rows) and few persons change a night. Incremental in the build database,
-- like int_sorties: a night later, only the persons whose paths dim_parcours computed again (their hours or their
-- exit moved), and those with hours on a contract whose family moved, are computed again (macros/incremental.sql).
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ principales_a_refaire() }}{% endif %}",
    post_hook="{{ noter_construction(construction_du_passage()) }}"
) }}

with sorties as (
    select
        personne_id,
        annee_sortie,
        date_sortie
    from {{ ref('int_sorties') }}
    {% if is_incremental() %}
        where {{ principale_a_refaire('personne_id') }}
    {% endif %}
),

heures as (
    select
        h.personne_id,
        h.mois,
        h.modalite,
        h.heures,
        m.famille
    from {{ ref('fct_heures') }} as h
    left join {{ ref('dim_marches') }} as m using (id_marche)
    {% if is_incremental() %}
        where {{ principale_a_refaire('h.personne_id') }}
    {% endif %}
),

-- The hours each exit's person worked up to the exit, by family and modality: one join, read twice.
heures_avant_sortie as materialized (
    select
        s.personne_id,
        s.annee_sortie,
        h.famille,
        h.modalite,
        sum(cast(h.heures as decimal(38, 6))) as heures
    from sorties as s
    inner join heures as h on s.personne_id = h.personne_id and s.date_sortie >= h.mois
    group by all
)

{%- for axe in ['famille', 'modalite'] %}
    {{ "union all" if not loop.first }}
    select
        personne_id,
        annee_sortie,
        '{{ axe }}' as axe,
        {{ axe }} as valeur
    from heures_avant_sortie
    group by personne_id, annee_sortie, {{ axe }}
    qualify row_number() over (partition by personne_id, annee_sortie order by sum(heures) desc, {{ axe }}) = 1
{%- endfor %}
