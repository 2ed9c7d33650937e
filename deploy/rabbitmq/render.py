"""Fill the users' password hashes into ``definitions.json`` at deploy time; passwords never live
in the repository.

    LIAISON_AMQP_PASSWORD=… RABBITMQ_ADMIN_PASSWORD=… python render.py OUT.json

``LIAISON_AMQP_PASSWORD`` is the ``liaison`` user's (the services' AMQP_URI),
``RABBITMQ_ADMIN_PASSWORD`` is ``liaison-admin``'s (management UI); every other user's is
``RABBITMQ_PASSWORD_<USER>`` (``RABBITMQ_PASSWORD_LIAISON_INTAKE``,
``RABBITMQ_PASSWORD_STATION_QUANPU_COOP``…). A user whose variable is not set
keeps an empty hash (cannot log in). Hashes use RabbitMQ's ``rabbit_password_hashing_sha256``:
base64(salt + sha256(salt + password)) with a 4-byte random salt.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import sys
from pathlib import Path

PASSWORD_VARIABLES = {"liaison": "LIAISON_AMQP_PASSWORD", "liaison-admin": "RABBITMQ_ADMIN_PASSWORD"}


def password_variable(user: str) -> str:
    """``liaison-intake`` → ``RABBITMQ_PASSWORD_LIAISON_INTAKE`` (besides the two above)."""
    return PASSWORD_VARIABLES.get(user) or "RABBITMQ_PASSWORD_" + user.upper().replace("-", "_")


def password_hash(password: str, salt: bytes | None = None) -> str:
    salt = salt if salt is not None else secrets.token_bytes(4)
    return base64.b64encode(salt + hashlib.sha256(salt + password.encode("utf-8")).digest()).decode()


def render(template: dict, environ: dict[str, str]) -> dict:
    out = json.loads(json.dumps(template))
    for user in out["users"]:
        password = environ.get(password_variable(user["name"]), "")
        if password:
            user["password_hash"] = password_hash(password)
    return out


def main(argv: list[str]) -> int:
    template = json.loads(Path(__file__).with_name("definitions.json").read_text(encoding="utf-8"))
    rendered = json.dumps(render(template, dict(os.environ)), indent=2)
    if len(argv) > 1:
        Path(argv[1]).write_text(rendered, encoding="utf-8")
        os.chmod(argv[1], 0o644)  # the broker's user reads it
    else:
        print(rendered)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
