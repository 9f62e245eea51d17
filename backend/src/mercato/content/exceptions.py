"""Content domain errors."""

from __future__ import annotations

from mercato.platform.errors import (
    Conflict,
    DomainError,
    NotFound,
    ServiceUnavailable,
    ValidationFailed,
)


class PostNotFound(NotFound):
    code = "post_not_found"
    title = "Post not found"


class PageNotFound(NotFound):
    code = "page_not_found"
    title = "Page not found"


class DocumentNotFound(NotFound):
    code = "document_not_found"
    title = "Content document not found"


class SiteSettingsMissing(NotFound):
    code = "site_settings_not_found"
    title = "Site settings not found"


class InvalidDocument(ValidationFailed):
    code = "invalid_document"
    title = "Invalid content document"


class InvalidImport(ValidationFailed):
    code = "invalid_import"
    title = "Invalid content import"


class SlugTaken(Conflict):
    code = "slug_taken"
    title = "Slug already in use"


class ReadOnlySource(Conflict):
    code = "content_source_read_only"
    title = "Content is managed in Sanity"


class ContentSourceUnavailable(ServiceUnavailable):
    code = "content_unavailable"
    title = "Content temporarily unavailable"


class WebhookDisabled(NotFound):
    """No webhook secret is configured: the endpoint is off (a 404, not a server error)."""

    code = "webhook_disabled"
    title = "Webhook not configured"


class InvalidWebhookSignature(DomainError):
    status, code, title = 401, "invalid_signature", "Invalid webhook signature"
