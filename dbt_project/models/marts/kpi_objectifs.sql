-- Each target beside its actual, its gap and its status (worked out in int_objectifs, which the reviews read too).
select * from {{ ref('int_objectifs') }}
