{% test lignes_reconciliees(model) %}
-- Every file: rows read = rows loaded + rows quarantined + rows waiting.
select chemin from {{ model }}
where lignes_lues <> lignes_chargees + lignes_quarantaine + lignes_en_attente
{% endtest %}
