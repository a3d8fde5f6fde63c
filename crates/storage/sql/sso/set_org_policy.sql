UPDATE organisations SET sso_domain = $2, sso_required = $3 WHERE id = $1
