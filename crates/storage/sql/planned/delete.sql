DELETE FROM planned_items WHERE id = $1 AND org_id = $2
