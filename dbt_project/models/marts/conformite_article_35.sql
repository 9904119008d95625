-- Article 35, contract by contract: the list the buyer checks (worked out in int_conformite_article_35).
select * from {{ ref('int_conformite_article_35') }}
