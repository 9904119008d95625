-- One row per path that has exited, with what its exit counts for (docs/indicateurs.md, résultats): each flag is
-- worked out here once, and every outcome table counts them.
select
    parcours_id,
    personne_id,
    facilitateur,
    annee_sortie,
    date_sortie,
    tranche_heures,
    heures_totales,
    sortie_observable,
    not sortie_observable as sortie_en_attente,
    sortie_observable and categorie_sortie <> 'situation inconnue' as situation_connue,
    sortie_observable and categorie_sortie = 'emploi durable' as emploi_durable,
    sortie_observable and categorie_sortie = 'emploi de transition' as emploi_transition,
    sortie_observable and categorie_sortie = 'sortie positive' as sortie_positive,
    sortie_observable
    and categorie_sortie in ('emploi durable', 'emploi de transition', 'sortie positive') as sortie_dynamique
from {{ ref('dim_parcours') }}
where est_sorti
