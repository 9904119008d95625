-- The Département's contracts with words beside every code (docs/analystes.md): an analyst's table that spares the
-- joins to the reference tables. Incremental: a night later, the rows of the contracts dim_marches computed again,
-- written after the others (a full rebuild writes them all in this order).
{{ config(
    materialized='incremental', incremental_strategy='append',
    pre_hook="{% if is_incremental() %}{{ libelles_a_refaire() }}{% endif %}"
) }}

select
    m.id_marche,
    m.objet,
    m.annee_notification,
    m.date_notification,
    m.famille,
    familles.libelle as libelle_famille,
    m.secteur,
    m.montant_ht,
    m.commune_execution,
    communes.commune as libelle_commune_execution,
    territoires.libelle as libelle_territoire_execution,
    m.facilitateur,
    facilitateurs.structure as libelle_facilitateur,
    m.clause_insertion,
    m.heures_insertion_prevues,
    m.critere_social,
    m.marche_reserve,
    m.clause_environnementale,
    m.titulaire_nom
from {{ ref('int_marches_departement') }} as m
left join {{ ref('familles') }} as familles on m.famille = familles.famille
left join {{ ref('communes_territoires') }} as communes on m.commune_execution = communes.code_insee
left join {{ ref('territoires') }} as territoires on communes.territoire = territoires.territoire
left join {{ ref('facilitateurs') }} as facilitateurs on m.facilitateur = facilitateurs.facilitateur
{% if is_incremental() %}
    where (select tout from marches_tout) or m.id_marche in (select id_marche from marches_a_refaire)
{% endif %}
order by m.date_notification, m.id_marche
