"""The whole system as it runs for real: five OS processes (``liaison run …``) against the real
broker (a vhost of its own), a real database, and a real SMTP server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from liaison.processes import ProcessGroup
from tests.support import databases
from tests.support.fixtures import migrate, pg_available
from tests.support.smtp import SmtpSink, free_port


@dataclass
class System:
    amqp_uri: str
    base_url: str
    database_url: str
    smtp: SmtpSink
    processes: ProcessGroup
    outbox_dir: Path

    def http(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None) -> tuple[int, Any]:
        data = body if isinstance(body, bytes) or body is None else json.dumps(
            body, ensure_ascii=False).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def logs(self) -> str:
        return "\n".join(p.read_text(errors="replace")
                         for p in sorted(self.processes.log_dir.glob("*.log")))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql",
                                                               marks=pytest.mark.postgres)])
def system(request, vhost_factory, tmp_path_factory):
    if request.param == "postgresql" and not pg_available():
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    root = tmp_path_factory.mktemp(f"system-{request.param}")
    database_url = (f"sqlite:///{root}/<service>.db" if request.param == "sqlite"
                    else databases.create_pg_database())
    amqp_uri = vhost_factory()
    migrate(database_url, "intake", "routing", "archive", "notify")
    smtp = SmtpSink(root).start()
    port = free_port()
    env = {"AMQP_URI": amqp_uri, "DATABASE_URL": database_url, "HTTP_PORT": str(port),
           "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp.port),
           "NOTIFY_OUTBOX_DIR": str(root / "outbox"), "OUTBOX_POLL_SECONDS": "0.5",
           "LOG_LEVEL": "INFO"}
    group = ProcessGroup(run_dir=root, env=env)
    try:
        group.start(timeout=90)
        yield System(amqp_uri, f"http://127.0.0.1:{port}", database_url, smtp, group,
                     root / "outbox")
    finally:
        group.stop()
        smtp.stop()
        if request.param == "postgresql":
            databases.drop_pg_database(database_url)
