-- Outcomes by public: for each period (years and the SPASER period), the exits of int_sorties split along one
-- dimension at a time (sex, age band, RSA, DELD, RQTH, QPV, education, territory of residence, main purchasing
-- family and main modality of their hours). Every exit has one value per dimension ('non renseigné' when
-- unknown), so each dimension adds up to the period's whole (dimension 'ensemble', which is kpi_annuel's).
with heures as (
    select
        h.personne_id,
        h.mois,
        h.modalite,
        h.heures,
        m.famille
    from {{ ref('fct_heures') }} as h
    left join {{ ref('dim_marches') }} as m using (id_marche)
),

-- Each exit's main family and modality: those of the most hours the person worked up to the exit.
principales as (
    {%- for axe in ['famille', 'modalite'] %}
        {{ "union all" if not loop.first }}
        select
            s.personne_id,
            s.annee_sortie,
            '{{ axe }}' as axe,
            h.{{ axe }} as valeur
        from {{ ref('int_sorties') }} as s
        inner join heures as h on s.personne_id = h.personne_id and s.date_sortie >= h.mois
        group by s.personne_id, s.annee_sortie, h.{{ axe }}
        qualify row_number() over (
                partition by s.personne_id, s.annee_sortie order by sum(h.heures) desc, h.{{ axe }}
            ) = 1
    {%- endfor %}
),

sorties as (
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
    left join principales as f
        on s.personne_id = f.personne_id and s.annee_sortie = f.annee_sortie and f.axe = 'famille'
    left join principales as mo
        on s.personne_id = mo.personne_id and s.annee_sortie = mo.annee_sortie and mo.axe = 'modalite'
),

par_dimension as (
    unpivot (
        select
            *,
            'toutes les sorties' as ensemble
        from sorties
    )
    on ensemble, sexe, tranche_age, brsa, deld, rqth, qpv, niveau_formation, territoire_residence, famille, modalite
    into name dimension value valeur
),

comptes as (
    select
        periodes.type_periode,
        periodes.periode,
        periodes.annee,
        d.dimension,
        d.valeur,
        {{ outcome_counts('d') }}
    from {{ ref('int_periodes') }} as periodes
    inner join par_dimension as d on d.date_sortie between periodes.debut and periodes.fin
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
