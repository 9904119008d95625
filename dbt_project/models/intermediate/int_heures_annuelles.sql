-- Each person's hours in each year, and the months of the year they have hours in (a 12-bit mask: bit 0 January):
-- the 10 M hour rows grouped once, for the models that count persons by year or period (int_kpi_heures,
-- kpi_residence), which read these 3 M rows instead.
-- Incremental in the build database, like int_sorties: a night later, only the persons behind the paths whose hour
-- rows fct_heures deleted or inserted are computed again (macros/incremental.sql).
-- (its hook reads the paths' persons: depends_on: {{ ref('stg_participants') }})
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ heures_annuelles_a_refaire() }}{% endif %}",
    post_hook="{{ noter_construction(construction_du_passage()) }}"
) }}

select
    annee,
    personne_id,
    bit_or(1 << (month(mois) - 1)) as mois_avec_heures,
    sum(cast(heures as decimal(38, 6))) as heures
from {{ ref('fct_heures') }}
{% if is_incremental() %}
    where
        (select tout from heures_annuelles_tout)
        or personne_id in (select personne_id from personnes_a_refaire)
{% endif %}
group by annee, personne_id
