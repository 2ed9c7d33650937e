from sqlalchemy.exc import IntegrityError, OperationalError

from liaison.contracts.events import EventSchemaError
from liaison.messaging import topology
from liaison.service_kit.failures import Failure, PermanentError, TransientError, classify


def test_classify():
    assert classify(OperationalError("select", {}, Exception("down"))) is Failure.TRANSIENT
    assert classify(ConnectionRefusedError()) is Failure.TRANSIENT
    assert classify(TransientError()) is Failure.TRANSIENT
    assert classify(EventSchemaError({})) is Failure.PERMANENT
    assert classify(PermanentError()) is Failure.PERMANENT
    assert classify(IntegrityError("insert", {}, Exception("dup"))) is Failure.ERROR
    assert classify(KeyError("x")) is Failure.ERROR


def test_every_consumer_queue_has_retry_and_dead_companions():
    for name in topology.CONSUMER_QUEUES:
        retry = topology.retry_queue(name)
        assert retry.queue_arguments["x-dead-letter-routing-key"] == name
        assert retry.queue_arguments["x-dead-letter-exchange"] == ""
        assert topology.dead_queue(name).name == f"{name}.dead"
        assert topology.consumer_queue(name).durable


def test_external_forms_reach_intake():
    bindings = topology.CONSUMER_QUEUES["intake.submissions"].bindings
    assert (bindings[0].exchange, bindings[0].routing_key) == ("forms.events", "submission_received")
