"""The Celery broker: kombu's Redis transport, with a channel that survives Redis restarting.

With kombu 5.7 / Celery 5.7 (the latest), a worker holding an unacknowledged message (a late-acked
grading, a countdown task) when Redis goes away dies with `Unrecoverable error: AttributeError("'NoneType'
object has no attribute 'hostname'")` whenever it finds its pub/sub connection closed before its BRPOP
one. The consumer first `collect()`s the broken connection: closing the channel reads the pending BRPOP
reply, that read raises ConnectionError, and `Channel.close()` stops half way (it is not marked closed;
the connection error is swallowed). `collect()` then detaches the transport
from its connection (`transport.client = None`). The consumer's next `connection.close()` closes the
channel again; this time it goes on to restore the unacknowledged messages, which builds a new
connection pool from `transport.client`: None.

This channel finishes closing whatever the pending read raises, so the unacknowledged messages are
restored (or, Redis being down, left to the visibility timeout) while the transport is still attached,
and a second close is a no-op. Selected by CELERY_BROKER_TRANSPORT; the broker URL stays redis://.
"""

from __future__ import annotations

from queue import Empty

import redis
from kombu.transport import redis as kombu_redis


class Channel(kombu_redis.Channel):
    def close(self) -> None:
        if self._in_poll:
            try:
                self._brpop_read()
            except (Empty, *self.connection_errors):
                pass  # the reply of a dead connection: nothing to read, carry on closing
        super().close()

    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:  # detached from its connection: never an AttributeError
            raise redis.ConnectionError("the broker connection is closed")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
