"""RabbitMQ plumbing: the topology, confirmed publishing, the outbox relay, reliable consumers."""
