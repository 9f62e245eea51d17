"""kombu's Redis transport with renewed visibility (ADR 0014).

kombu emulates acknowledgements on Redis: a delivered message is kept in the `unacked` hash with
its delivery time in the `unacked_index` sorted set, and any consumer puts back messages older
than `visibility_timeout`. The stock transport never refreshes that time, so the timeout must
exceed the longest task (and ETA wait), and a killed worker's message waits that long: an hour by
default. Here the worker that holds a message refreshes its time every third of the timeout, so
the timeout can be short (seconds): only a dead worker's messages ever get old enough to return.

The delivery time is wall-clock time, and the timers run on the monotonic clock. When the host
freezes (a busy VM, a suspended container) the wall clock jumps on and the renewal is late by the
whole freeze; so a worker renews what it holds right before it looks for old messages itself,
and never hands its own live messages back.
"""

from __future__ import annotations

import time
from typing import Any

from kombu.transport import redis as kredis


def renew_held(channel: Any) -> None:
    """Move the delivery time of every message this channel holds to now."""
    tags = list(channel.qos._delivered or ())
    if not tags:
        return
    now = time.time()
    try:
        with channel.conn_or_acquire() as client:
            # XX: only refresh entries still there (an ack may have removed one meanwhile)
            client.zadd(channel.unacked_index_key, dict.fromkeys(tags, now), xx=True)
    except channel.connection_errors:
        pass  # the connection is being re-established; the next tick retries


class QoS(kredis.QoS):
    def restore_visible(self, start: int = 0, num: int = 10, interval: int = 10) -> Any:
        for channel in list(self.channel.connection.channels or ()):
            renew_held(channel)
        return super().restore_visible(start, num, interval)


class Channel(kredis.Channel):
    QoS = QoS


class Transport(kredis.Transport):
    Channel = Channel

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
        for channel in list(self.channels or ()):
            renew_held(channel)
