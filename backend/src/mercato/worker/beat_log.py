"""Celery beat's connection errors said once per outage.

While the broker is down, beat logs `beat: Connection error: … Trying again in N seconds...` at
error level on every retry; the scheduler's relay already says `broker_unreachable` once
(docs/operations.md). The filter lets the first of a run of them through and drops the repeats
until beat logs anything else (it is connected again).
"""

import logging

BEAT_LOGGER = "celery.beat"
_CONNECTION_ERROR = "beat: Connection error"


class OncePerOutage(logging.Filter):
    def __init__(self) -> None:
        super().__init__()
        self._down = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(_CONNECTION_ERROR):
            self._down = False
            return True
        if self._down:
            return False
        self._down = True
        return True


def say_connection_errors_once() -> None:
    logger = logging.getLogger(BEAT_LOGGER)
    if not any(isinstance(f, OncePerOutage) for f in logger.filters):
        logger.addFilter(OncePerOutage())
