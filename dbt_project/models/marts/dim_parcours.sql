select * from {{ ref('int_parcours') }}
