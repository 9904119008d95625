select * from {{ ref('int_personnes') }}
