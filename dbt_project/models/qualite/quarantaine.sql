select * from {{ source('landing', 'marches_quarantaine') }}
union all by name
select * from {{ source('landing', 'heures_quarantaine') }}
union all by name
select * from {{ source('landing', 'participants_quarantaine') }}
union all by name
select * from {{ source('landing', 'objectifs_quarantaine') }}
union all by name
select * from {{ source('landing', 'plans_quarantaine') }}
union all by name
select * from {{ source('landing', 'exceptions_quarantaine') }}
