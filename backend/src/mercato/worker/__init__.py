"""Background processing: Celery worker and beat, the outbox relay, event handlers, dead letters.

`dispatch_pending_events(container)` handles every pending outbox event inline (tests).
"""

from __future__ import annotations

from mercato.worker.events import dispatch_pending_events

__all__ = ["dispatch_pending_events"]
