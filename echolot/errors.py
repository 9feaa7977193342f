"""Errors that carry a message meant for the person at the terminal."""


class EcholotError(Exception):
    """Base class: the message says what was wrong and where."""

    exit_code = 1


class ConfigError(EcholotError):
    """The listening-project file is missing, unreadable or invalid."""

    exit_code = 2


class MigrationError(EcholotError):
    """A schema migration failed; the database was left as it was before that migration."""


class DatabaseUnavailable(EcholotError):
    """No database could be reached or started."""
