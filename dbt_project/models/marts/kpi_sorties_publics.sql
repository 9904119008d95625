-- Outcomes by public: for each period (years and the SPASER period), the exits of int_sorties split along one
-- dimension at a time (sex, age band, RSA, DELD, RQTH, QPV, education, territory of residence, main purchasing
-- family and main modality of their hours). Every exit has one value per dimension ('non renseigné' when
-- unknown), so each dimension adds up to the period's whole (dimension 'ensemble', which is kpi_annuel's).
with sorties as materialized (
    select
        s.*,
        p.sexe,
        case
            when p.age_entree is null then 'non renseigné'
            when p.age_entree < 26 then 'moins de 26 ans'
            when p.age_entree < 50 then '26 à 49 ans'
            else '50 ans et plus'
        end as tranche_age,
        {{ yes_no('p.brsa') }} as brsa,
        {{ yes_no('p.deld') }} as deld,
        {{ yes_no('p.rqth') }} as rqth,
        {{ yes_no('p.qpv') }} as qpv,
        coalesce(p.niveau_formation, 'non renseigné') as niveau_formation,
        p.territoire_residence,
        coalesce(f.valeur, 'sans heures') as famille,
        coalesce(mo.valeur, 'sans heures') as modalite
    from {{ ref('int_sorties') }} as s
    inner join {{ ref('dim_personnes') }} as p using (personne_id)
    -- each exit's main family and modality, worked out apart (int_sorties_principales, incremental)
    left join {{ ref('int_sorties_principales') }} as f
        on s.personne_id = f.personne_id and s.annee_sortie = f.annee_sortie and f.axe = 'famille'
    left join {{ ref('int_sorties_principales') }} as mo
        on s.personne_id = mo.personne_id and s.annee_sortie = mo.annee_sortie and mo.axe = 'modalite'
),

-- Counted by exit date and value of each dimension first: a few thousand rows to spread over the periods,
-- instead of every exit once per dimension.
par_jour as (
    {%- for dimension in ['ensemble', 'sexe', 'tranche_age', 'brsa', 'deld', 'rqth', 'qpv', 'niveau_formation',
        'territoire_residence', 'famille', 'modalite'] %}
        {{ "union all" if not loop.first }}
        select
            sorties.date_sortie,
            '{{ dimension }}' as dimension,
            {{ "'toutes les sorties'" if dimension == 'ensemble' else 'cast(sorties.' ~ dimension ~ ' as varchar)' }}
                as valeur,
            {{ outcome_counts('sorties') }}
        from sorties
        group by all
    {%- endfor %}
),

comptes as (
    select
        periodes.type_periode,
        periodes.periode,
        periodes.annee,
        d.dimension,
        d.valeur,
        {{ outcome_count_sums('d') }}
    from {{ ref('int_periodes') }} as periodes
    inner join par_jour as d on d.date_sortie between periodes.debut and periodes.fin
    group by all
)

select
    comptes.type_periode,
    comptes.periode,
    comptes.annee,
    comptes.dimension,
    comptes.valeur,
    {{ outcome_columns('comptes') }}
from comptes
order by comptes.type_periode, comptes.periode, comptes.dimension, comptes.valeur
