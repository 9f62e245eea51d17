"""Background processing: Celery worker and beat, the outbox relay, event handlers, dead letters.

`mercato.worker.events.dispatch_pending_events(container)` handles every pending outbox event
inline (tests). Importing this package imports nothing else, so `mercato worker --help` stays fast.
"""
