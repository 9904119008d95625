-- kpi_annuel's counts and ratios as rows (annee, indicateur, realise), read from int_kpi_periodes as kpi_annuel reads
-- them: what a target is checked against (int_objectifs) and a plan's baseline (bilan_plans). The indicators a
-- target may aim at: pipeline/extracts/reference.py.
select *
from (
    select
        annee,
        columns(lambda c: regexp_matches(c, '^(nb|taux|part)_'))::double
    from {{ ref('int_kpi_periodes') }}
    where type_periode = 'annee'
)
unpivot include nulls (realise for indicateur in (columns(* exclude (annee))))
