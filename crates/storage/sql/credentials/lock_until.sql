UPDATE users SET locked_until = $2 WHERE id = $1
