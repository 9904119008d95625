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

-- Each entrant's first dynamic exit and first exit to an unknown situation from their entry on: one join for all
-- the delays (it was one per delay: 3.6-5.1 s at 10 M hour rows).
premieres_sorties as (
    select
        e.annee_entree,
        e.personne_id,
        e.date_entree,
        min(s.date_sortie) filter (
            where s.categorie_sortie in ('emploi durable', 'emploi de transition', 'sortie positive')
        ) as premiere_sortie_dynamique,
        min(s.date_sortie) filter (where s.categorie_sortie = 'situation inconnue') as premiere_sortie_inconnue
    from entrees as e
    left join {{ ref('dim_parcours') }} as s
        on e.personne_id = s.personne_id and e.date_entree <= s.date_sortie
    group by all
),

suivis as (
    select
        e.annee_entree,
        d.delai_mois,
        e.date_entree + to_months(d.delai_mois + 6) <= {{ as_of() }} as fenetre_close,
        coalesce(e.premiere_sortie_dynamique <= e.date_entree + to_months(d.delai_mois), false) as sortie_dynamique,
        coalesce(e.premiere_sortie_inconnue <= e.date_entree + to_months(d.delai_mois), false) as sortie_inconnue
    from premieres_sorties as e
    cross join delais as d
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
