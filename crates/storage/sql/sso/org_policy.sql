SELECT sso_domain, sso_required FROM organisations WHERE id = $1
