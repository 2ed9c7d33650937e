"""Database plumbing shared by the services: engines, the outbox/inbox tables, the unit of work."""
