"""Django's PostgreSQL backend, reconnecting after a server restart (ENGINE `lamin_core.setup.postgresql`)."""
