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

Consumers do not `BRPOP`. kombu's `BRPOP` removes a message from its queue when Redis answers,
and the worker records it in `unacked` only after reading that answer: a worker killed in between
took the message with it, until the outbox relay republished it minutes later. Here a Lua script
pops the message and records it in `unacked` in one step (`Channel.pop_and_deliver`), and the
queues are polled every `POLL_SECONDS` from the worker's event loop, at once again after each
ack (a prefetch slot came free), and from `drain_events` without one.
"""

from __future__ import annotations

import time
from json import loads
from typing import Any

from kombu.transport import redis as kredis
from kombu.transport import virtual
from kombu.utils.encoding import bytes_to_str

POLL_SECONDS = 0.05  # how often an idle consumer looks at its queues
_BATCH = 100  # the most messages one poll hands out per channel (prefetch limits it first)

# KEYS: the unacked index, the unacked hash, then the queues' lists in the order to try;
# ARGV: now, then per list "1" to record its message as unacked (a consumer that acks) or "0".
# Returns {position of the list, 1-based; the message} or false. The record is what kombu's
# QoS.append writes (`[payload, exchange, routing_key]`), built from the message's own text; a
# message that is not kombu's JSON is popped unrecorded, as BRPOP would have handed it over.
_POP_AND_RECORD = """
for i = 3, #KEYS do
  local item = redis.call('RPOP', KEYS[i])
  if item then
    if ARGV[i - 1] == '1' then
      local ok, message = pcall(cjson.decode, item)
      local properties = ok and type(message) == 'table' and message['properties']
      local info = type(properties) == 'table' and properties['delivery_info']
      local tag = type(properties) == 'table' and properties['delivery_tag']
      if type(info) == 'table' and type(tag) == 'string' then
        redis.call('ZADD', KEYS[1], ARGV[1], tag)
        redis.call('HSET', KEYS[2], tag, '[' .. item .. ',' .. cjson.encode(info['exchange'])
          .. ',' .. cjson.encode(info['routing_key']) .. ']')
      end
    end
    return {i - 2, item}
  end
end
return false
"""


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

    def append(self, message: Any, delivery_tag: Any) -> None:
        channel: Any = self.channel
        if channel.take_recorded(delivery_tag):
            virtual.QoS.append(self, message, delivery_tag)  # the pop already wrote the record
        else:
            super().append(message, delivery_tag)

    def ack(self, delivery_tag: Any) -> None:
        super().ack(delivery_tag)
        self._transport.poll_soon()  # a prefetch slot is free

    def reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().reject(delivery_tag, requeue=requeue)
        self._transport.poll_soon()

    @property
    def _transport(self) -> Any:
        channel: Any = self.channel
        return channel.connection  # a virtual channel's `connection` is its Transport


class Channel(kredis.Channel):
    QoS = QoS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._recorded: set[str] = set()  # popped and recorded as unacked, not yet appended
        self._no_ack_queues: set[str] = set()

    def basic_consume(self, queue: str, no_ack: bool, *args: Any, **kwargs: Any) -> Any:
        if no_ack:
            self._no_ack_queues.add(queue)
        return super().basic_consume(queue, no_ack, *args, **kwargs)

    def take_recorded(self, delivery_tag: Any) -> bool:
        """Whether the pop recorded this message as unacked (forgotten once asked)."""
        if delivery_tag in self._recorded:
            self._recorded.discard(delivery_tag)
            return True
        return False

    def pop_and_deliver(self) -> bool:
        """Pop the next message of the queues this channel consumes (the fair cycle's order,
        then priority), recorded as unacked in the same step, and deliver it. False if none."""
        kombu: Any = self  # kredis.Channel's private helpers, untyped
        queues = list(kombu._queue_cycle.consume(len(self.active_queues)))
        if not queues:
            return False
        prefix = self.global_keyprefix or ""
        lists = [(q, kombu._q_for_pri(q, pri)) for pri in self.priority_steps for q in queues]
        keys = [prefix + self.unacked_index_key, prefix + self.unacked_key]
        keys += [prefix + key for _, key in lists]
        record = ["0" if q in self._no_ack_queues else "1" for q, _ in lists]
        with self.conn_or_acquire() as client:
            # EVAL: kombu's key prefixing leaves it alone, so every key above is prefixed here
            popped = client.execute_command(
                "EVAL", _POP_AND_RECORD, len(keys), *keys, time.time(), *record
            )
        if not popped:
            return False
        position, item = popped
        queue = lists[int(position) - 1][0]
        payload = loads(bytes_to_str(item))
        if record[int(position) - 1] == "1":
            tag = (payload.get("properties") or {}).get("delivery_tag")
            if isinstance(tag, str):
                self._recorded.add(tag)
        kombu._queue_cycle.rotate(queue)
        self.connection._deliver(payload, queue)
        return True


def _poll(channels: Any) -> bool:
    """Deliver what the channels' queues hold, as far as their prefetch allows."""
    delivered = False
    for channel in list(channels or ()):
        if not channel.active_queues:
            continue
        for _ in range(_BATCH):
            if not channel.qos.can_consume() or not channel.pop_and_deliver():
                break
            delivered = True
    return delivered


class PollingCycle(kredis.MultiChannelPoller):
    """kombu's poller without `BRPOP`: fanout (`LISTEN`), restores and health checks as kombu
    does them, queues polled with the atomic pop."""

    poll_seconds = POLL_SECONDS

    def _register_BRPOP(self, channel: Any) -> None:
        return None

    def get(self, callback: Any, timeout: float | None = None) -> None:
        """`drain_events` without an event loop: deliver what is ready, else wait a poll."""
        if _poll(self._channels):  # type: ignore[attr-defined]
            return
        wait = self.poll_seconds if timeout is None else min(timeout, self.poll_seconds)
        super().get(callback, timeout=wait)  # LISTEN, restores; raises Empty when nothing came


class Transport(kredis.Transport):
    Channel = Channel

    _loop: Any = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cycle = PollingCycle()

    def register_with_event_loop(self, connection: Any, loop: Any) -> None:
        super().register_with_event_loop(connection, loop)
        cycle: Any = self.cycle
        for name in ("_mercato_renew_tref", "_mercato_poll_tref"):
            old = getattr(cycle, name, None)
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
        cycle._mercato_poll_tref = loop.call_repeatedly(cycle.poll_seconds, self._poll)
        self._loop = loop

    def poll_soon(self) -> None:
        """A message was acked or rejected: fetch the next one now, not at the next tick."""
        if self._loop is not None:
            self._loop.call_soon(self._poll)

    def _poll(self) -> None:
        _poll(self.channels)

    def _renew_visibility(self) -> None:
        for channel in list(self.channels or ()):
            renew_held(channel)
