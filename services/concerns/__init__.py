"""Concerns: which cases are the same concern, and which concerns many share.

``rules/`` holds the plain rules (no SQL, no AMQP, no nameko): text normalisation, place
extraction, problem kinds, the duplicate detector and its index, hot topics.
``commands.py`` holds the operator commands (``liaison duplicates FILE``).
"""
