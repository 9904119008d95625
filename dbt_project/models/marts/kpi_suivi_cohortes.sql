-- Entry cohorts: of the persons who entered the clause in a year (their first entry that year), the share with a
-- dynamic exit within 6, 12, 18 and 24 months of entering, over those whose window has elapsed (the entry, the
-- delay, and six more months to observe the exit's situation, all before the as-of date).
with entrees as (
    select
        personne_id,
        cast(year(date_entree) as integer) as annee_entree,
        min(date_entree) as date_entree
    from {{ ref('dim_parcours') }}
    group by all
),

delais as (
    select unnest([6, 12, 18, 24]) as delai_mois
),

suivis as (
    select
        e.annee_entree,
        d.delai_mois,
        e.personne_id,
        e.date_entree + to_months(d.delai_mois + 6) <= {{ as_of() }} as fenetre_close,
        coalesce(bool_or(s.categorie_sortie in ('emploi durable', 'emploi de transition', 'sortie positive')), false)
            as sortie_dynamique,
        coalesce(bool_or(s.categorie_sortie = 'situation inconnue'), false) as sortie_inconnue
    from entrees as e
    cross join delais as d
    left join {{ ref('dim_parcours') }} as s
        on
            e.personne_id = s.personne_id
            and s.date_sortie between e.date_entree and e.date_entree + to_months(d.delai_mois)
    group by all
),

comptes as (
    select
        annee_entree,
        delai_mois,
        count(*) as nb_entrants,
        count(*) filter (where fenetre_close) as nb_entrants_observables,
        count(*) filter (where fenetre_close and sortie_dynamique) as nb_sorties_dynamiques,
        count(*) filter (where fenetre_close and sortie_inconnue and not sortie_dynamique) as nb_sorties_inconnues
    from suivis
    group by annee_entree, delai_mois
)

select
    annee_entree,
    delai_mois,
    nb_entrants,
    nb_entrants_observables,
    nb_sorties_dynamiques,
    nb_sorties_inconnues,
    {{ ratio("nb_sorties_dynamiques", "nb_entrants_observables") }} as part_sortie_dynamique_bas,
    {{ ratio("nb_sorties_dynamiques + nb_sorties_inconnues", "nb_entrants_observables") }}
        as part_sortie_dynamique_haut,
    {{ wilson("nb_sorties_dynamiques", "nb_entrants_observables", "bas") }} as part_sortie_dynamique_ic_bas,
    {{ wilson("nb_sorties_dynamiques + nb_sorties_inconnues", "nb_entrants_observables", "haut") }}
        as part_sortie_dynamique_ic_haut
from comptes
order by annee_entree, delai_mois
