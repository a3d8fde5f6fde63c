SELECT set_config('flowsense.org_id', $1, true)
