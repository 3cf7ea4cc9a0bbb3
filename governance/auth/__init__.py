"""Staff and member accounts: passwords, TOTP, sessions, roles and guards."""
