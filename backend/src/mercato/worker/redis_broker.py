"""kombu's Redis transport with renewed visibility (ADR 0014).

kombu emulates acknowledgements on Redis: a delivered message is kept in the `unacked` hash with
its delivery time in the `unacked_index` sorted set, and any consumer puts back messages older
than `visibility_timeout`. The stock transport never refreshes that time, so the timeout must
exceed the longest task (and ETA wait), and a killed worker's message waits that long: an hour by
default. Here the worker that holds a message refreshes its time every third of the timeout, so
the timeout can be short (seconds): only a dead worker's messages ever get old enough to return.
"""

from __future__ import annotations

import time
from typing import Any

from kombu.transport import redis as kredis


class Transport(kredis.Transport):
    def register_with_event_loop(self, connection: Any, loop: Any) -> None:
        super().register_with_event_loop(connection, loop)
        cycle: Any = self.cycle
        old = getattr(cycle, "_mercato_renew_tref", None)
        if old is not None:  # a reconnect registers again
            old.cancel()
        timeout = float(
            connection.client.transport_options.get(
                "visibility_timeout", kredis.Channel.visibility_timeout
            )
        )
        cycle._mercato_renew_tref = loop.call_repeatedly(
            max(timeout / 3, 0.5), self._renew_visibility
        )

    def _renew_visibility(self) -> None:
        """Move the delivery time of every message this worker holds to now."""
        channel: Any
        for channel in list(self.channels or ()):
            tags = list(channel.qos._delivered or ())
            if not tags:
                continue
            now = time.time()
            try:
                with channel.conn_or_acquire() as client:
                    # XX: only refresh entries still there (an ack may have removed one meanwhile)
                    client.zadd(channel.unacked_index_key, dict.fromkeys(tags, now), xx=True)
            except channel.connection_errors:
                return  # the connection is being re-established; the next tick retries
