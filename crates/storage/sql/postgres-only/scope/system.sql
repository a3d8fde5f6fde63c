SELECT set_config('flowsense.scope', 'system', true)
