"""Domain errors of the integrations module (rendered as problem+json)."""

from __future__ import annotations

from mercato.platform.errors import NotFound, ValidationFailed


class LocationRequired(ValidationFailed):
    code = "location_required"
    title = "Give lat and lon, or a country (with a postal code or city)"


class UnknownLocation(NotFound):
    code = "unknown_location"
    title = "No weather location for this address"
