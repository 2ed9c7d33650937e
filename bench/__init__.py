"""The benchmark (``make bench N=…``): the whole system as separate processes against the real
broker and databases, next to the raw kombu limit measured in the same run. Not a test."""
