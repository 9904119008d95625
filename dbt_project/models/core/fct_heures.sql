-- Hour rows with the person behind each path. A month outside the contract's dates is kept and
-- flagged (hours are often declared late, and a notification date may be wrong).
with heures as (
    select * from {{ ref('stg_heures') }}
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
    (
        heures.mois < date_trunc('month', marches.date_notification)
        or (marches.date_fin is not null and heures.mois > marches.date_fin)
    ) as mois_hors_periode_marche,
    heures.fichier,
    heures.ligne
from heures
inner join {{ ref('dim_parcours') }} as parcours using (parcours_id)
left join {{ ref('dim_marches') }} as marches using (id_marche)
