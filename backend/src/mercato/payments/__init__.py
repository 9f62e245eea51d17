"""Payments: the gateway port (sandbox, Stripe), webhooks, the payment ledger, reconciliation."""
