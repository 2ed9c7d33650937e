"""How a batch is acked: one ``multiple`` ack when that cannot touch anyone else's message."""

from __future__ import annotations

import weakref

from kombu import Message

from liaison.service_kit.consumer import _RawQueueConsumer


class RecordingChannel:
    """Stands in for an AMQP channel: records the acks sent on it."""

    connection = True
    no_ack_consumers = None

    def __init__(self) -> None:
        self.acks: list[tuple[int, bool]] = []

    def basic_ack(self, delivery_tag: int, multiple: bool = False) -> None:
        self.acks.append((delivery_tag, multiple))


def delivered(channel: RecordingChannel, *tags: int) -> tuple[_RawQueueConsumer, list[Message]]:
    consumer = _RawQueueConsumer()
    consumer._outstanding = weakref.WeakKeyDictionary({channel: set(tags)})
    consumer._unsettled = len(tags)
    return consumer, [Message(channel=channel, delivery_tag=tag, body=b"") for tag in tags]


def test_a_batch_holding_every_outstanding_message_is_acked_in_one_frame():
    channel = RecordingChannel()
    consumer, messages = delivered(channel, 1, 2, 3, 4)
    consumer.ack_messages(messages[:3])  # 4 is still in flight, but after the batch
    assert channel.acks == [(3, True)]
    assert all(message.acknowledged for message in messages[:3])
    assert consumer._outstanding[channel] == {4}
    assert consumer._unsettled == 1


def test_a_batch_overtaking_an_earlier_message_acks_each_of_its_own():
    channel = RecordingChannel()
    consumer, messages = delivered(channel, 1, 2, 3, 4)
    consumer.ack_messages(messages[1:])  # 1 is still being handled elsewhere: must stay unacked
    assert channel.acks == [(2, False), (3, False), (4, False)]
    assert consumer._outstanding[channel] == {1}
