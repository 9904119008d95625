{#
  The descriptions of the published tables and their columns (the dbt docs), written into the warehouse where
  analysts and the data dictionary read them: one statement at the end of the run. dbt's persist_docs took three
  queries per model and about a second per run at any volume (measured at 1x, docs/benchmarks.md).
#}
{% macro persist_published_docs() %}
    {% if execute %}
        {% set listed = run_query(
            "select schema_name || '.' || table_name, column_name from duckdb_columns() "
            ~ "where database_name = 'entrepot'"
        ) %}
        {% set present = {} %}
        {% for row in listed.rows %}
            {% do present.update({row[0]: true, row[0] ~ '.' ~ row[1]: true}) %}
        {% endfor %}
        {% set statements = [] %}
        {% for node in graph.nodes.values()
            if node.resource_type in ('model', 'seed') and node.database == 'entrepot'
            and (node.schema ~ '.' ~ node.alias) in present %}
            {% do statements.extend(published_comments(node, present)) %}
        {% endfor %}
        {% if statements %}
            {% do run_query(statements | join(';\n')) %}
        {% endif %}
    {% endif %}
{% endmacro %}

{#- One published table's comments: on the table, then on each of its columns the warehouse holds. -#}
{% macro published_comments(node, present) %}
    {% set relation = api.Relation.create(database=node.database, schema=node.schema, identifier=node.alias) %}
    {% set statements = [] %}
    {% if node.description %}
        {% do statements.append('comment on table ' ~ relation ~ ' is ' ~ duckdb_escape_comment(node.description)) %}
    {% endif %}
    {% for column in node.columns.values()
        if column.description and (node.schema ~ '.' ~ node.alias ~ '.' ~ column.name) in present %}
        {% do statements.append(
            'comment on column ' ~ relation ~ '.' ~ adapter.quote(column.name)
            ~ ' is ' ~ duckdb_escape_comment(column.description)
        ) %}
    {% endfor %}
    {{ return(statements) }}
{% endmacro %}
