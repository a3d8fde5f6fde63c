SELECT o.id, o.slug, o.name, m.role, o.mfa_required FROM memberships m
JOIN organisations o ON o.id = m.org_id WHERE m.user_id = $1 ORDER BY o.name, o.id
