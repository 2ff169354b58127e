"""Shared machinery: settings, the database, logs, errors, auth, limits, request ids."""
