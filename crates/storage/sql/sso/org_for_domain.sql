SELECT id FROM organisations WHERE sso_domain = $1
