"""Where backups are kept: a local directory or an S3-compatible bucket."""

from __future__ import annotations

from mercato.backups.exceptions import BackupConfigError
from mercato.backups.providers.port import BackupStorage, StoredObject
from mercato.platform.config import Settings

__all__ = ["BackupStorage", "StoredObject", "build_storage"]


def build_storage(settings: Settings) -> BackupStorage:
    cfg = settings.backup
    if cfg.storage == "s3":
        if not cfg.s3_bucket:
            raise BackupConfigError("MERCATO_BACKUP__S3_BUCKET is unset (storage is s3)")
        from mercato.backups.providers.s3 import S3Storage

        secret = cfg.s3_secret_access_key
        return S3Storage(
            bucket=cfg.s3_bucket,
            prefix=cfg.s3_prefix,
            endpoint_url=cfg.s3_endpoint_url,
            region=cfg.s3_region,
            access_key_id=cfg.s3_access_key_id,
            secret_access_key=secret.get_secret_value() if secret else None,
        )
    from mercato.backups.providers.local import LocalStorage

    return LocalStorage(cfg.dir or settings.data_dir / "backups")
