{#- The person behind each path: that of its latest episode (read before dim_parcours, which reads fct_heures). -#}
{% macro personne_du_parcours() %}
    select
        parcours_id,
        personne_id
    from {{ ref('stg_participants') }}
    qualify row_number() over (partition by parcours_id order by episode desc) = 1
{% endmacro %}

{#- A month before the contract's notification or after its end (hours are often declared late). -#}
{% macro mois_hors_periode(heures, marches) %}
    (
        {{ heures }}.mois < date_trunc('month', {{ marches }}.date_notification)
        or ({{ marches }}.date_fin is not null and {{ heures }}.mois > {{ marches }}.date_fin)
    )
{% endmacro %}

{#- The hour columns a row of fct_heures takes from its file, fichier apart. -#}
{% macro colonnes_du_fichier() -%}
    parcours_id, facilitateur, id_marche, mois, annee, heures, modalite, employeur_siret, employeur_nom, type_contrat,
    ligne
{%- endmacro %}
