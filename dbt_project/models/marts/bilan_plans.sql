-- The end-of-plan review (docs/indicateurs.md, le bilan d'un plan): for each plan begun and each indicator it set
-- a target for (a commitment), the year before the plan (the baseline), the plan's last target year, what was
-- reached there with its range, and a verdict: ATTEINT, NON_ATTEINT, or NON_MESURABLE with the reason.
with cibles as (
    select
        objectifs.*,
        plans.debut,
        plans.fin
    from {{ ref('int_objectifs') }} as objectifs
    inner join {{ ref('plans') }} as plans on objectifs.plan = plans.plan
    where plans.commence
),

engagements as (
    select
        plan,
        indicateur,
        count(*) as nb_cibles_annuelles,
        count(*) filter (where statut = 'ATTEINT') as nb_cibles_annuelles_atteintes,
        max(annee) as annee_cible
    from cibles
    group by plan, indicateur
),

reference as (
    select
        annee,
        indicateur,
        realise as valeur
    from {{ ref('int_realisations') }}
)

select
    e.plan,
    e.indicateur,
    year(c.debut) - 1 as annee_reference,
    r.valeur as valeur_reference,
    e.annee_cible,
    c.cible,
    c.realise,
    c.realise_bas,
    c.realise_haut,
    c.statut as statut_annee_cible,
    e.nb_cibles_annuelles,
    e.nb_cibles_annuelles_atteintes,
    case when c.statut in ('ATTEINT', 'NON_ATTEINT') then c.statut else 'NON_MESURABLE' end as verdict,
    case
        when c.statut = 'SANS_DONNEE' then 'aucune donnée pour ' || e.annee_cible
        when c.statut = 'A_VENIR' then e.annee_cible || ' est à venir'
        when c.statut = 'NON_DEMONTRE' then 'la cible est dans la fourchette que laissent les situations inconnues'
        when c.statut = 'EN_COURS' and {{ is_outcome_indicator('e.indicateur') }}
            then 'réalisation pas encore définitive : les sorties de ' || e.annee_cible
                || ' ne sont toutes observables qu''au '
                || strftime(make_date(e.annee_cible, 12, 31) + interval 6 month, '%d/%m/%Y')
        when c.statut = 'EN_COURS' then 'réalisation pas encore définitive : ' || e.annee_cible || ' n''est pas finie'
    end as raison
from engagements as e
inner join cibles as c on e.plan = c.plan and e.indicateur = c.indicateur and e.annee_cible = c.annee
left join reference as r on year(c.debut) - 1 = r.annee and e.indicateur = r.indicateur
order by e.plan, e.indicateur
