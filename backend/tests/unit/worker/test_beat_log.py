import logging

import pytest

from mercato.worker.beat_log import BEAT_LOGGER, OncePerOutage, say_connection_errors_once


def test_beat_says_a_connection_error_once_per_outage(caplog: pytest.LogCaptureFixture) -> None:
    logger = logging.getLogger(BEAT_LOGGER)
    say_connection_errors_once()
    say_connection_errors_once()  # twice: still one filter
    try:
        assert sum(isinstance(f, OncePerOutage) for f in logger.filters) == 1
        with caplog.at_level(logging.INFO, logger=BEAT_LOGGER):
            for wait in (2, 4, 6, 8):  # celery.beat's own call: a format string and its arguments
                logger.error(
                    "beat: Connection error: %s. Trying again in %s seconds...", "refused", wait
                )
            logger.info("Scheduler: Sending due task %s", "expire-unpaid")  # connected again
            logger.error("beat: Connection error: %s. Trying again in %s seconds...", "refused", 2)
            logger.error("beat: Connection error: %s. Trying again in %s seconds...", "refused", 4)
        assert [r.getMessage() for r in caplog.records] == [
            "beat: Connection error: refused. Trying again in 2 seconds...",
            "Scheduler: Sending due task expire-unpaid",
            "beat: Connection error: refused. Trying again in 2 seconds...",
        ]
    finally:
        for f in [f for f in logger.filters if isinstance(f, OncePerOutage)]:
            logger.removeFilter(f)
