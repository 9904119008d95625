-- Marchés en cours dont les heures réalisées sont en retard sur le temps écoulé (moins de 80 % du prorata).
with avancement as (
    select *,
        least(1, greatest(0, date_diff('day', date_notification, current_date)
                           / nullif(date_diff('day', date_notification, date_fin), 0))) as part_du_temps_ecoule
    from marts.marche_execution
    where statut = 'EN_COURS'
)
select id_marche, objet, facilitateur, titulaire_nom, heures_prevues, heures_realisees,
       round(heures_prevues * part_du_temps_ecoule) as heures_attendues_a_ce_jour
from avancement
where heures_realisees < 0.8 * heures_prevues * part_du_temps_ecoule
order by heures_prevues * part_du_temps_ecoule - heures_realisees desc;
