-- Hours by month, facilitator, purchasing family and modality, with words beside every code (docs/analystes.md):
-- the joins an analyst would otherwise write, already made, at a size a spreadsheet opens.
-- Each person's hours are summed first, then the people counted: the same figures as a count(distinct), in half
-- the time (the query alone at 10 M hour rows: 7.1-8.6 s -> 4.0-4.2 s).
with par_personne as (
    select
        h.annee,
        h.mois,
        h.facilitateur,
        m.famille,
        h.modalite,
        h.personne_id,
        sum(h.heures) as heures
    from {{ ref('fct_heures') }} as h
    left join {{ ref('dim_marches') }} as m on h.id_marche = m.id_marche
    group by all
)

select
    p.annee,
    p.mois,
    p.facilitateur,
    facilitateurs.structure as libelle_facilitateur,
    p.famille,
    familles.libelle as libelle_famille,
    p.modalite,
    modalites.libelle as libelle_modalite,
    {{ sum_hundredths("p.heures") }} as heures,
    count(p.personne_id) as nb_personnes
from par_personne as p
left join {{ ref('familles') }} as familles on p.famille = familles.famille
left join {{ ref('modalites') }} as modalites on p.modalite = modalites.modalite
left join {{ ref('facilitateurs') }} as facilitateurs on p.facilitateur = facilitateurs.facilitateur
group by all
order by p.mois, p.facilitateur, p.famille, p.modalite
