SELECT set_config('flowsense.user_id', $1, true)
