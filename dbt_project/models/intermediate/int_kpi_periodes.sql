-- Every indicator of docs/indicateurs.md for each period (years and the SPASER period): kpi_annuel and kpi_spaser
-- read their rows from here. Distinct counts are distinct over each period, never sums of years.
select
    periodes.type_periode,
    periodes.periode,
    periodes.annee,
    periodes.debut as periode_debut,
    periodes.fin as periode_fin,
    coalesce(m.nb_marches, 0) as nb_marches,
    coalesce(m.montant_marches_ht, 0) as montant_marches_ht,
    coalesce(m.nb_marches_eligibles, 0) as nb_marches_eligibles,
    coalesce(m.nb_marches_eligibles_avec_clause, 0) as nb_marches_eligibles_avec_clause,
    {{ ratio("m.nb_marches_eligibles_avec_clause", "m.nb_marches_eligibles") }} as taux_couverture_clause,
    coalesce(m.nb_marches_clause, 0) as nb_marches_clause,
    coalesce(m.montant_marches_clause_ht, 0) as montant_marches_clause_ht,
    coalesce(m.nb_marches_clause_services, 0) as nb_marches_clause_services,
    coalesce(m.nb_marches_clause_prestations_intellectuelles, 0) as nb_marches_clause_prestations_intellectuelles,
    coalesce(m.nb_marches_critere_social, 0) as nb_marches_critere_social,
    {{ ratio("m.nb_marches_critere_social", "m.nb_marches") }} as part_marches_critere_social,
    coalesce(m.nb_marches_reserves, 0) as nb_marches_reserves,
    coalesce(m.montant_marches_reserves_ht, 0) as montant_marches_reserves_ht,
    coalesce(m.heures_prevues, 0) as heures_prevues,
    {{ social_consideration_columns('m') }},
    {{ environmental_consideration_columns('m') }},
    coalesce(h.heures_realisees, 0) as heures_realisees,
    coalesce(h.heures_realisees, 0) / {{ heures_etp() }} as etp,
    {{ months_covered('periodes.debut', 'least(periodes.fin, ' ~ as_of() ~ ')') }} as nb_mois_couverts,
    coalesce(h.heures_realisees, 0) / {{ heures_etp() }} * 12
    / {{ months_covered('periodes.debut', 'least(periodes.fin, ' ~ as_of() ~ ')') }} as etp_annuel_moyen,
    coalesce(h.nb_participants, 0) as nb_participants,
    coalesce(h.nb_nouveaux_participants, 0) as nb_nouveaux_participants,
    coalesce(h.nb_employeurs, 0) as nb_employeurs,
    coalesce(h.nb_marches_actifs, 0) as nb_marches_actifs,
    h.part_femmes,
    h.part_moins_26_ans,
    h.part_50_ans_et_plus,
    h.part_qpv,
    h.part_brsa,
    h.part_deld,
    h.part_rqth,
    h.part_jeunes_sans_qualification,
    {{ outcome_columns('s') }},
    e.taux_realisation_marches_acheves
from {{ ref('int_periodes') }} as periodes
left join {{ ref('int_kpi_marches') }} as m on periodes.periode = m.periode
left join {{ ref('int_kpi_heures') }} as h on periodes.periode = h.periode
left join {{ ref('int_kpi_sorties') }} as s on periodes.periode = s.periode
left join {{ ref('int_kpi_execution') }} as e on periodes.periode = e.periode
