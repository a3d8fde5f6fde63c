SELECT rolsuper OR rolbypassrls AS can_bypass FROM pg_roles WHERE rolname = current_user
