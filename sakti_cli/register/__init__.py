"""The register: applications, letters, numbers, recovery, migrations, retention, checks and backups."""
