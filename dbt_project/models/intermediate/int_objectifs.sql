-- One row per target: what kpi_annuel says for its year and indicator, the gap, and where it stands (published as
-- kpi_objectifs; the plans' reviews, bilan_plans, read it too).
with realises as (
    select * from {{ ref('int_realisations') }}
),

-- A year's exits, and the share whose 6-month situation can be observed by the as-of date.
cohortes as (
    select
        annee,
        nb_sortants + nb_sortants_en_attente as nb_sortants_cohorte,
        {{ ratio("nb_sortants", "nb_sortants + nb_sortants_en_attente") }} as part_cohorte_observee
    from {{ ref('int_kpi_periodes') }}
    where type_periode = 'annee'
),

objectifs as (
    select
        objectifs.annee,
        objectifs.indicateur,
        objectifs.cible,
        objectifs.source,
        realises.realise,
        -- an outcome rate among known situations lies in a range (the unknown ones all failed / all succeeded)
        coalesce(bas.realise, realises.realise) as realise_bas,
        coalesce(haut.realise, realises.realise) as realise_haut,
        realises.realise - objectifs.cible as ecart,
        {{ is_outcome_indicator('objectifs.indicateur') }} as sur_les_sorties
    from {{ ref('objectifs_spaser') }} as objectifs
    left join realises
        on objectifs.annee = realises.annee and objectifs.indicateur = realises.indicateur
    left join realises as bas
        on objectifs.annee = bas.annee and objectifs.indicateur || '_bas' = bas.indicateur
    left join realises as haut
        on objectifs.annee = haut.annee and objectifs.indicateur || '_haut' = haut.indicateur
),

-- A count of contracts, hours or persons only grows within its year: reached, it stays reached. A rate can
-- still fall, and an exit's situation is known 6 months on: their window is the whole cohort's, closed once
-- the year is over (and its last exits observable, for an outcome).
fenetres as (
    select
        objectifs.*,
        objectifs.indicateur like 'nb\_%' escape '\' and not objectifs.sur_les_sorties as compte_croissant,
        make_date(objectifs.annee, 12, 31)
        + case when objectifs.sur_les_sorties then interval 6 month else interval 0 day end
        <= {{ as_of() }} as fenetre_close,
        case when objectifs.sur_les_sorties then cohortes.nb_sortants_cohorte end as nb_sortants_cohorte,
        case when objectifs.sur_les_sorties then cohortes.part_cohorte_observee end as part_cohorte_observee
    from objectifs
    left join cohortes on objectifs.annee = cohortes.annee
)

select
    fenetres.annee,
    plans.plan,
    fenetres.indicateur,
    fenetres.cible,
    fenetres.source,
    fenetres.realise,
    fenetres.realise_bas,
    fenetres.realise_haut,
    fenetres.ecart,
    fenetres.fenetre_close,
    fenetres.nb_sortants_cohorte,
    fenetres.part_cohorte_observee,
    case
        when fenetres.annee > year({{ as_of() }}) then 'A_VENIR'
        when fenetres.realise is null then 'SANS_DONNEE'
        -- met only if even the low end of the range meets it; missed only if even the high end misses it
        when
            fenetres.realise_bas >= fenetres.cible and (fenetres.fenetre_close or fenetres.compte_croissant)
            then 'ATTEINT'
        when fenetres.fenetre_close and fenetres.realise_haut < fenetres.cible then 'NON_ATTEINT'
        when fenetres.fenetre_close then 'NON_DEMONTRE'
        else 'EN_COURS'
    end as statut
from fenetres
left join {{ ref('plans') }} as plans on fenetres.annee between year(plans.debut) and year(plans.fin)
order by fenetres.annee, fenetres.indicateur
