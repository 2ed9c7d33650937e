"""``@rpc``: nameko's RPC entrypoint, but a reply that cannot be sent does not kill the service.

nameko publishes the reply after the method returned; if the broker is gone at that moment the
publish (or the ack after it) raises inside nameko's responder and the whole container dies, so a
service that had done its work (and committed it) stops serving until restarted. Here the lost
reply is logged and the caller times out and retries; our RPC methods are safe to repeat
(``intake.submit`` is idempotent by ``external_id``, reads are reads, and ``routing.act`` refuses
a step already taken).
"""

from __future__ import annotations

import contextlib
import logging
import socket

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError
from nameko.rpc import Rpc

log = logging.getLogger(__name__)

BROKER_GONE = (AmqpConnectionError, OperationalError, ConnectionError, socket.error)


class SafeRpc(Rpc):
    def handle_result(self, message, worker_ctx, result, exc_info):
        try:
            return self.rpc_consumer.handle_result(message, result, exc_info)
        except BROKER_GONE as exc:
            log.warning("RPC %s: the reply could not be sent (%s); the caller will retry",
                        worker_ctx.entrypoint.method_name, type(exc).__name__)
            # If the ack fails too, the request comes back with the broker: the method repeats.
            with contextlib.suppress(*BROKER_GONE):
                self.rpc_consumer.queue_consumer.ack_message(message)
            return result, exc_info


rpc = SafeRpc.decorator
