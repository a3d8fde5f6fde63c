-- The role row-level security applies to when the configured user could bypass it.
SET ROLE flowsense_app
