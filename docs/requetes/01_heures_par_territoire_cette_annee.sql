-- Heures d'insertion et ETP par territoire de facilitateur, pour l'année en cours (la dernière de l'entrepôt).
select territoire, facilitateur, round(heures_realisees) as heures_realisees, round(etp, 1) as etp, nb_participants
from marts.kpi_territoire
where annee = (select max(annee) from marts.kpi_territoire)  -- la dernière année, celle de la date d'arrêté
order by heures_realisees desc;
