-- RoPA (Art. 30(1)(g)): the technical and organisational security measures, where the
-- policy states them: transfers it promises to encrypt.
SELECT flow_id, recipient, destination_country, method AS measure, source_section, source_quote
FROM declared_transfers
WHERE encrypted_required
ORDER BY flow_id
