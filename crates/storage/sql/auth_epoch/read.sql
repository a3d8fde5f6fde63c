SELECT value FROM auth_epoch WHERE id = 1
