-- The Département's plans: the defaults kept as data (seed plans_defaut), each replaced by a file row of the same
-- name from raw/plans/, and whether each is the plan in force at the as-of date (the one it falls in, or else
-- the latest begun): the models and exports take a plan's years from here, never from the code.
with deposes as (
    select
        plan,
        debut,
        fin,
        adopte_le,
        commentaire,
        fichier as source
    from {{ ref('stg_plans') }}
),

tous as (
    select * from deposes
    union all by name
    select
        plan,
        debut,
        fin,
        adopte_le,
        commentaire,
        'defaut' as source
    from {{ ref('plans_defaut') }}
    where plan not in (select deposes.plan from deposes)
),


courant as (  -- the plan the as-of date falls in; between two plans, the latest begun
    select plan
    from tous
    where debut <= {{ as_of() }}
    order by fin >= {{ as_of() }} desc, debut desc
    limit 1
)

select
    tous.*,
    tous.debut <= {{ as_of() }} as commence,
    tous.fin < {{ as_of() }} as termine,
    coalesce(tous.plan = (select courant.plan from courant), false) as en_cours
from tous
order by tous.debut
