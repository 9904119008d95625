-- Marchés en cours dont les heures réalisées sont en retard sur le temps écoulé (moins de 80 % du prorata),
-- à la date d'arrêté de la publication (pas à la date du jour : les chiffres sont arrêtés à cette date).
with arrete as (
    select max(date_arrete) as date_arrete from qualite.historique_publications
),

avancement as (
    select
        m.*,
        least(1, greatest(0, date_diff('day', m.date_notification, a.date_arrete)
            / nullif(date_diff('day', m.date_notification, m.date_fin), 0))) as part_du_temps_ecoule
    from marts.marche_execution as m cross join arrete as a
    where m.statut = 'EN_COURS'
)

select
    id_marche, objet, facilitateur, titulaire_nom, heures_prevues, heures_realisees,
    round(heures_prevues * part_du_temps_ecoule) as heures_attendues_a_ce_jour
from avancement
where heures_realisees < 0.8 * heures_prevues * part_du_temps_ecoule
order by heures_prevues * part_du_temps_ecoule - heures_realisees desc;
