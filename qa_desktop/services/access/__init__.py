"""Who may do what: users with roles and password hashes, the signed-in user, and the permission check
every guarded service entry point makes (`permissions.require`)."""
