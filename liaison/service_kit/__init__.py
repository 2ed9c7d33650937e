"""The small seam between nameko and the rest of liaison: a reliable consumer entrypoint and a
database dependency (unit of work + outbox relay). Nothing outside this package and the services'
``service.py`` files imports nameko."""
