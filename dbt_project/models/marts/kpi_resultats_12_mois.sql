-- The follow-up a year on: for each year of exit, the situation twelve months after the exit, counted as the
-- six-month outcomes are (int_sorties: one exit per person and year). A facilitator that does not record it
-- leaves its exits of unknown situation: the range says how much that leaves open.
with sorties as (
    select
        annee_sortie,
        {{ exit_flags('sortie_observable_12_mois', "coalesce(categorie_sortie_12_mois, 'situation inconnue')") }}
    from {{ ref('int_sorties') }}
),

comptes as (
    select
        sorties.annee_sortie,
        {{ outcome_counts('sorties') }}
    from sorties
    group by sorties.annee_sortie
)

select
    comptes.annee_sortie,
    {{ outcome_columns('comptes') }}
from comptes
order by comptes.annee_sortie
