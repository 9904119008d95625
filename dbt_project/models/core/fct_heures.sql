-- Hour rows with the person behind each path. A month outside the contract's dates is kept and
-- flagged (hours are often declared late, and a notification date may be wrong).
-- Incremental: a night later, only the rows of changed files, paths and contracts are computed again
-- (macros/heures_a_refaire.sql); a full rebuild when the code or the settings change.
-- (Its hook runs before dbt's transaction: DuckDB writes one attached database per transaction, and it notes paths
-- in the build database before it deletes rows from the candidate.)
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook={'sql': "{{ heures_a_refaire() }}", 'transaction': false}
) }}

with heures as (
    select * from {{ ref('stg_heures') }}
    {% if is_incremental() %}
        where {{ a_refaire('fichier', 'parcours_id', 'id_marche') }}
    {% endif %}
),

personnes as (
    {{ personne_du_parcours() }}
)

select
    heures.parcours_id,
    parcours.personne_id,
    heures.facilitateur,
    heures.id_marche,
    heures.mois,
    heures.annee,
    heures.heures,
    heures.modalite,
    heures.employeur_siret,
    heures.employeur_nom,
    heures.type_contrat,
    {{ mois_hors_periode('heures', 'marches') }} as mois_hors_periode_marche,
    heures.fichier,
    heures.ligne
from heures
inner join personnes as parcours using (parcours_id)
left join {{ ref('dim_marches') }} as marches using (id_marche)
