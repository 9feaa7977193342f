"""Every error Echolot raises on purpose; each message says what was wrong and where.

The tree, with the exit code the command line returns for each branch:

    EcholotError                      1  base class; never raised itself
    ├── TransientError               75  try again later: nothing is wrong with the request
    │   ├── RetryableSourceError          a platform API is rate-limited or down
    │   └── BrokerUnavailable             RabbitMQ refused or dropped a publish
    ├── AccessError                   1  a service refuses us or cannot be reached as configured
    │   ├── SourceAccessError             credentials or access tier of a platform API
    │   └── DatabaseUnavailable           no PostgreSQL could be reached or started
    ├── ConfigError                   2  the listening-project file or model settings are wrong
    │   └── ModelNotFoundError            a model folder (or its weights) is not where it is set
    └── DataError                     1  what was asked for or what is stored does not fit
        ├── UsageError                    a bad argument: half a window, an unknown id or name
        ├── NormalizationError            one payload cannot be read (it is quarantined)
        └── MigrationError                a schema migration failed; that migration rolled back

75 is EX_TEMPFAIL from sysexits.h: schedulers and shells read it as "retry later", so Airflow's
retries and a cron wrapper both do the right thing. 2 is the usual code for "fix your input".

Not in the tree, on purpose: a caller breaking a function's contract (texts and languages of
different lengths) raises the built-in ValueError or TypeError, because that is a bug to fix in
code, not a condition a user can act on; and the project-file validators raise ValueError
because pydantic turns exactly that into a `ConfigError` naming the key path.
"""

from __future__ import annotations


class EcholotError(Exception):
    """Base class: the message says what was wrong and where."""

    exit_code = 1


class TransientError(EcholotError):
    """A passing failure; the same call later should succeed. Work done so far is kept."""

    exit_code = 75


class RetryableSourceError(TransientError):
    """A transient failure (rate limit, outage); the run stops cleanly and a later retry resumes
    from the last committed page. Airflow retries the task with backoff."""


class BrokerUnavailable(TransientError):
    """The message broker could not take the outbox's messages; they stay queued in the outbox
    and the next relay sends them."""


class AccessError(EcholotError):
    """A service refuses us or cannot be reached as configured; retrying as is will not help."""


class SourceAccessError(AccessError):
    """Credentials or access tier of a platform API are wrong; retrying will not help."""


class DatabaseUnavailable(AccessError):
    """No database could be reached or started."""


class ConfigError(EcholotError):
    """The listening-project file is missing, unreadable or invalid."""

    exit_code = 2


class ModelNotFoundError(ConfigError, FileNotFoundError):
    """The model folder (or its weights) is not where we were told to look. (A FileNotFoundError
    too, for callers that treat it as a missing file.)"""


class DataError(EcholotError):
    """What was asked for, or what is stored, does not fit."""


class UsageError(DataError):
    """A bad argument to a command or function: half a window, an unknown id, team or source."""


class NormalizationError(DataError, ValueError):
    """One raw payload cannot be turned into records; it goes to quarantine with this reason.
    (A ValueError too: parsers that catch ValueError around a payload keep doing so.)"""


class MigrationError(DataError):
    """A schema migration failed; the database was left as it was before that migration."""
