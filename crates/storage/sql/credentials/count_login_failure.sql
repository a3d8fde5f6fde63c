UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1
