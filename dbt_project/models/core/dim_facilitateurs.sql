select
    facilitateurs.facilitateur,
    facilitateurs.structure,
    facilitateurs.territoire,
    (
        select count(*) from {{ ref('communes_territoires') }} as c
        where c.facilitateur = facilitateurs.facilitateur)
        as nb_communes
from {{ ref('facilitateurs') }} as facilitateurs
