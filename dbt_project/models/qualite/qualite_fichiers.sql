select * from {{ source('landing', 'marches_fichiers') }}
union all by name
select * from {{ source('landing', 'heures_fichiers') }}
union all by name
select * from {{ source('landing', 'participants_fichiers') }}
union all by name
select * from {{ source('landing', 'objectifs_fichiers') }}
union all by name
select * from {{ source('landing', 'plans_fichiers') }}
union all by name
select * from {{ source('landing', 'exceptions_fichiers') }}
