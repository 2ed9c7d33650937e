"""Root conftest. eventlet must patch the standard library before anything imports it, or
in-process nameko containers hang (see ../shared/STACK-NOTES.md)."""

import warnings

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # "Eventlet is deprecated": known, pinned (STACK-NOTES.md)
    import eventlet

eventlet.monkey_patch()

import os  # noqa: E402

# Tests configure every service explicitly; settings from the caller's shell must not leak in.
for _name in ("INTAKE_DATABASE_URL", "ROUTING_DATABASE_URL", "ARCHIVE_DATABASE_URL",
              "NOTIFY_DATABASE_URL", "SMTP_HOST"):
    os.environ.pop(_name, None)

pytest_plugins = ["tests.support.fixtures"]
