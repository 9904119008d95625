-- Hour rows with the person behind each path. A month outside the contract's dates is kept and
-- flagged (hours are often declared late, and a notification date may be wrong).
with heures as (
    select * from {{ ref('stg_heures') }}
),

personnes as (  -- one person per path: that of its latest episode
    select
        parcours_id,
        personne_id
    from {{ ref('dim_parcours') }}
    qualify row_number() over (partition by parcours_id order by episode desc) = 1
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
inner join personnes as parcours using (parcours_id)
left join {{ ref('dim_marches') }} as marches using (id_marche)
