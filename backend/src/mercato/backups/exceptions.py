"""Backup errors: each carries one line an operator can act on (the CLI prints it as is)."""

from __future__ import annotations


class BackupError(Exception):
    """Base class; `str(error)` is a one-line explanation."""


class BackupConfigError(BackupError):
    """The backup settings are incomplete (no key, no bucket, no pg_dump …)."""


class BackupNotFound(BackupError):
    pass


class WrongKey(BackupError):
    pass


class CorruptBackup(BackupError):
    pass


class NewerSchema(BackupError):
    pass


class DatabaseNotEmpty(BackupError):
    pass


class VerificationFailed(BackupError):
    pass


class NoMedia(BackupError):
    """A media-only restore of a backup made before backups held media (format 1)."""


class DumpFailed(BackupError):
    """pg_dump, pg_restore or the SQLite backup API failed."""
