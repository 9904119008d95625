-- One row per target: what kpi_annuel says for its year and indicator, the gap, and where it stands.
-- kpi_annuel's counts and ratios as rows, read from int_kpi_periodes as kpi_annuel reads them
-- (the indicators a target may aim at: pipeline/extracts/reference.py).
with realises as (
    select *
    from (
        select
            annee,
            columns(lambda c: regexp_matches(c, '^(nb|taux|part)_'))::double
        from {{ ref('int_kpi_periodes') }}
        where type_periode = 'annee'
    )
    unpivot include nulls (realise for indicateur in (columns(* exclude (annee))))
),

objectifs as (
    select
        objectifs.annee,
        objectifs.indicateur,
        objectifs.cible,
        objectifs.source,
        realises.realise,
        realises.realise - objectifs.cible as ecart
    from {{ ref('objectifs_spaser') }} as objectifs
    left join realises
        on objectifs.annee = realises.annee and objectifs.indicateur = realises.indicateur
)

select
    *,
    case
        when annee > year({{ as_of() }}) then 'A_VENIR'
        when realise is null then 'SANS_DONNEE'
        when realise >= cible then 'ATTEINT'
        when annee < year({{ as_of() }}) then 'NON_ATTEINT'
        else 'EN_COURS'
    end as statut
from objectifs
order by annee, indicateur
