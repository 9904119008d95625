-- Qui bénéficie de la clause : part des femmes, des jeunes, des seniors, des publics RSA, DELD, RQTH, QPV.
select annee, nb_participants,
       round(100 * part_femmes, 1) as pct_femmes, round(100 * part_moins_26_ans, 1) as pct_moins_26_ans,
       round(100 * part_50_ans_et_plus, 1) as pct_50_ans_et_plus, round(100 * part_brsa, 1) as pct_brsa,
       round(100 * part_deld, 1) as pct_deld, round(100 * part_rqth, 1) as pct_rqth, round(100 * part_qpv, 1) as pct_qpv
from marts.kpi_annuel
order by annee;
