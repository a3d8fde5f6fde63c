SELECT failed_logins FROM users WHERE id = $1
