{% test cle_unique(model, columns) %}
-- No two rows share these columns: the table's key.
select {{ columns | join(', ') }}
from {{ model }}
group by {{ columns | join(', ') }}
having count(*) > 1
{% endtest %}
