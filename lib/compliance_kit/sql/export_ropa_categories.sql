-- RoPA (Art. 30(1)(c)): the categories of personal data, as the retention table names them.
SELECT category_id, name, information, source_section, source_quote
FROM data_categories
ORDER BY category_id
