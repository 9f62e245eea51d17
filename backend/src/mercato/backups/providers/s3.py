"""Backups in an S3-compatible bucket (AWS S3, MinIO, Ceph, Backblaze B2 …) through boto3."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mercato.backups.exceptions import BackupError
from mercato.backups.providers.port import StoredObject

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

_TRANSFER = TransferConfig(multipart_threshold=64 * 1024 * 1024, multipart_chunksize=64 * 1024**2)


class S3Storage:
    def __init__(
        self,
        *,
        bucket: str,
        prefix: str,
        endpoint_url: str | None,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"
        self.description = f"s3://{bucket}/{self.prefix}"
        kwargs: dict[str, Any] = {
            "endpoint_url": endpoint_url,
            "region_name": region,
            "config": Config(retries={"max_attempts": 5, "mode": "standard"}, connect_timeout=10),
        }
        if access_key_id:
            kwargs["aws_access_key_id"] = access_key_id
            kwargs["aws_secret_access_key"] = secret_access_key
        self.client: S3Client = boto3.client("s3", **kwargs)

    def _key(self, name: str) -> str:
        return self.prefix + name

    def _fail(self, action: str, exc: Exception) -> BackupError:
        return BackupError(f"{self.description}: {action} failed ({exc})")

    def upload(self, name: str, source: Path) -> None:
        try:  # one PUT (or one completed multipart upload): atomic for readers
            self.client.upload_file(str(source), self.bucket, self._key(name), Config=_TRANSFER)
        except (BotoCoreError, ClientError, boto3.exceptions.S3UploadFailedError) as exc:
            raise self._fail(f"uploading {name}", exc) from None

    def download(self, name: str, target: Path) -> None:
        try:
            self.client.download_file(self.bucket, self._key(name), str(target), Config=_TRANSFER)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                raise FileNotFoundError(name) from None
            raise self._fail(f"downloading {name}", exc) from None
        except BotoCoreError as exc:
            raise self._fail(f"downloading {name}", exc) from None

    def put_bytes(self, name: str, data: bytes) -> None:
        try:
            self.client.put_object(Bucket=self.bucket, Key=self._key(name), Body=data)
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(f"writing {name}", exc) from None

    def get_bytes(self, name: str) -> bytes | None:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(name))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                return None
            raise self._fail(f"reading {name}", exc) from None
        except BotoCoreError as exc:
            raise self._fail(f"reading {name}", exc) from None
        body: bytes = response["Body"].read()
        return body

    def list(self) -> list[StoredObject]:
        objects: list[StoredObject] = []
        try:
            pages = self.client.get_paginator("list_objects_v2").paginate(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    if name and "/" not in name:
                        objects.append(StoredObject(name, item["Size"], item["LastModified"]))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail("listing", exc) from None
        return sorted(objects, key=lambda o: o.name)

    def delete(self, name: str) -> None:
        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name))
        except (BotoCoreError, ClientError) as exc:
            raise self._fail(f"deleting {name}", exc) from None
