-- The Département's contracts: every indicator counts these only (docs/indicateurs.md); the other buyers' contracts of
-- the open data count in kpi_comparaison alone.
select *
from {{ ref('dim_marches') }}
where perimetre = 'DEPARTEMENT'
