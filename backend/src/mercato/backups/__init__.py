"""Backups: encrypted, checksummed database backups in a local directory or an S3 bucket."""
