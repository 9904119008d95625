-- How far each facilitator's outcomes can be trusted (docs/indicateurs.md, qualité des résultats): paths that
-- went quiet without an exit, situations observed when they should be, and how late hours are declared.
with mois_arrete as (
    select cast(date_trunc('month', {{ as_of() }}) as date) as mois
),

-- Each path as its latest episode leaves it, with the last month it has hours (its episodes share out its hours,
-- so the latest of theirs: 3 s -> 0.3 s at 10 M hour rows, without reading the hour rows again).
parcours as (
    select
        parcours_id,
        facilitateur,
        est_sorti,
        max(dernier_mois_heures) over (partition by parcours_id) as dernier_mois_heures
    from {{ ref('dim_parcours') }}
    qualify row_number() over (partition by parcours_id order by episode desc) = 1
),

decrochages as (
    select
        parcours.facilitateur,
        count(*) as nb_parcours_actifs_24_mois,
        count(*) filter (
            where not parcours.est_sorti and parcours.dernier_mois_heures <= mois_arrete.mois - interval 6 month
        ) as nb_decrochages_silencieux
    from parcours
    cross join mois_arrete
    where parcours.dernier_mois_heures > mois_arrete.mois - interval 24 month
    group by parcours.facilitateur
),

-- Observable exits with a known situation: when was it observed?
observations as (
    select
        facilitateur,
        count(*) filter (where categorie_sortie <> 'situation inconnue') as nb_situations_connues,
        count(*) filter (
            where categorie_sortie <> 'situation inconnue' and date_observation_situation is not null
        ) as nb_situations_datees,
        count(*) filter (
            where categorie_sortie <> 'situation inconnue'
            and date_observation_situation between date_sortie + interval 5 month and date_sortie + interval 8 month
        ) as nb_observees_5_a_8_mois
    from {{ ref('dim_parcours') }}
    where sortie_observable
    group by facilitateur
),

-- Each facilitator-month of hours and the day the first file stating it arrived.
declarations as (
    select
        split_part(groupe, ':', 1) as facilitateur,
        cast(split_part(groupe, ':', 2) || '-01' as date) as mois,
        min(date_depot) as premier_depot
    from (
        select
            date_depot,
            unnest(string_split(groupes_declares, ',')) as groupe
        from {{ ref('qualite_fichiers') }}
        where type_extrait = 'heures' and statut = 'CHARGE' and groupes_declares is not null
    )
    group by all
),

delais as (
    select
        facilitateur,
        count(*) as nb_mois_declares,
        median(date_diff('month', mois, premier_depot)) as delai_declaration_median_mois,
        avg(date_diff('month', mois, premier_depot)) as delai_declaration_moyen_mois,
        count(*) filter (where date_diff('month', mois, premier_depot) <= 2) as nb_mois_declares_sous_2_mois
    from declarations
    group by facilitateur
)

select
    f.facilitateur,
    f.structure,
    coalesce(d.nb_parcours_actifs_24_mois, 0) as nb_parcours_actifs_24_mois,
    coalesce(d.nb_decrochages_silencieux, 0) as nb_decrochages_silencieux,
    {{ ratio("d.nb_decrochages_silencieux", "d.nb_parcours_actifs_24_mois") }} as part_decrochages_silencieux,
    coalesce(o.nb_situations_connues, 0) as nb_situations_connues,
    coalesce(o.nb_situations_datees, 0) as nb_situations_datees,
    coalesce(o.nb_observees_5_a_8_mois, 0) as nb_observees_5_a_8_mois,
    {{ ratio("o.nb_observees_5_a_8_mois", "o.nb_situations_datees") }} as part_observees_5_a_8_mois,
    coalesce(l.nb_mois_declares, 0) as nb_mois_declares,
    l.delai_declaration_median_mois,
    l.delai_declaration_moyen_mois,
    {{ ratio("l.nb_mois_declares_sous_2_mois", "l.nb_mois_declares") }} as part_mois_declares_sous_2_mois
from {{ ref('dim_facilitateurs') }} as f
left join decrochages as d using (facilitateur)
left join observations as o using (facilitateur)
left join delais as l using (facilitateur)
order by f.facilitateur
