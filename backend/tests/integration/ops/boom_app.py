"""The API (create_app) plus one route that fails with personal data around: the Sentry test."""

from __future__ import annotations

from fastapi import FastAPI, Request

from mercato.main import create_app


def create() -> FastAPI:
    app = create_app()

    @app.get("/boom", include_in_schema=False)
    async def boom(request: Request) -> None:
        # the personal data comes with the request, as it would (the source has none)
        customer_email = request.query_params["email"]
        card_number = request.headers["x-test-card"]
        shipping_address = {"line1": request.query_params["street"], "city": "Hiddentown"}
        assert shipping_address  # in the frame's locals (scrubbed by key), not in the message
        raise RuntimeError(f"induced failure for {customer_email}, card {card_number}")

    return app
