SELECT first_on, amount_minor, repeat, until_on, confidence_percent
FROM planned_items WHERE org_id = $1 ORDER BY first_on, id
