-- RoPA (Art. 30(1)(b), (c)): each purpose of processing, the data it uses and its legal
-- basis, as the policy's "How we use" table states them, with the row's quote.
SELECT p.purpose_id, p.purposes, p.legal_basis, p.information, p.mandatory,
       p.category_id, c.name AS category_name, p.source_section, p.source_quote
FROM processing_purposes AS p
LEFT JOIN data_categories AS c USING (category_id)
ORDER BY p.purpose_id
