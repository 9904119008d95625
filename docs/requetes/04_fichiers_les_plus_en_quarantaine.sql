-- Les fichiers déposés qui ont le plus de lignes en quarantaine, et la règle la plus fréquente.
select f.chemin, f.lignes_lues, f.lignes_quarantaine, f.lignes_en_attente,
       (select q.regle from qualite.quarantaine q where q.chemin = f.chemin
        group by q.regle order by count(*) desc, q.regle limit 1) as regle_principale
from qualite.qualite_fichiers f
where f.lignes_quarantaine + f.lignes_en_attente > 0
order by f.lignes_quarantaine + f.lignes_en_attente desc
limit 10;
