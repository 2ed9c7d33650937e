"""What to do with a message whose handler raised: retry it later, or park it for a person."""

from __future__ import annotations

import socket
from enum import Enum

from amqp.exceptions import ConnectionError as AmqpConnectionError
from kombu.exceptions import OperationalError as KombuOperationalError
from sqlalchemy.exc import DisconnectionError, InterfaceError
from sqlalchemy.exc import OperationalError as DbOperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError

from liaison.contracts.events import EventSchemaError


class TransientError(Exception):
    """Not now, later: something the message needs is not there yet (e.g. an earlier event)."""


class PermanentError(Exception):
    """This message can never be processed: park it in the dead-letter queue at once."""


class Failure(Enum):
    TRANSIENT = "transient"  # infrastructure unavailable: retry without counting against the limit
    PERMANENT = "permanent"  # dead-letter now
    ERROR = "error"  # a bug or bad data: retry up to MAX_ATTEMPTS, then dead-letter


_TRANSIENT = (
    TransientError,
    DbOperationalError,
    InterfaceError,
    DisconnectionError,
    PoolTimeoutError,
    AmqpConnectionError,
    KombuOperationalError,
    ConnectionError,
    TimeoutError,
    socket.error,
)


def classify(exc: BaseException) -> Failure:
    if isinstance(exc, PermanentError | EventSchemaError):
        return Failure.PERMANENT
    if isinstance(exc, _TRANSIENT):
        return Failure.TRANSIENT
    return Failure.ERROR
