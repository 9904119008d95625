-- Hours by month, facilitator, purchasing family and modality, with words beside every code (docs/analystes.md):
-- the joins an analyst would otherwise write, already made, at a size a spreadsheet opens.
select
    h.annee,
    h.mois,
    h.facilitateur,
    facilitateurs.structure as libelle_facilitateur,
    m.famille,
    familles.libelle as libelle_famille,
    h.modalite,
    modalites.libelle as libelle_modalite,
    {{ sum_hundredths("h.heures") }} as heures,
    count(distinct h.personne_id) as nb_personnes
from {{ ref('fct_heures') }} as h
left join {{ ref('dim_marches') }} as m on h.id_marche = m.id_marche
left join {{ ref('familles') }} as familles on m.famille = familles.famille
left join {{ ref('modalites') }} as modalites on h.modalite = modalites.modalite
left join {{ ref('facilitateurs') }} as facilitateurs on h.facilitateur = facilitateurs.facilitateur
group by all
order by h.mois, h.facilitateur, m.famille, h.modalite
