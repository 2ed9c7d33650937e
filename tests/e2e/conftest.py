"""The whole system as it runs for real: five OS processes (``liaison run …``) against the real
broker (a vhost of its own), a real database, and a real SMTP server."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from liaison.contracts.county_time import utcnow
from liaison.db.engine import make_engine
from services import catalogue
from services.accounts.handlers import staff_accounts as staff
from services.routing.rules.registry import default_registry
from tests.support import databases
from tests.support.fixtures import migrate, pg_available, url_for
from tests.support.smtp import SmtpSink, free_port
from tools.processes import ProcessGroup


@dataclass
class System:
    amqp_uri: str
    base_url: str
    database_url: str
    smtp: SmtpSink
    processes: ProcessGroup
    outbox_dir: Path
    tokens: dict[tuple, str] = field(default_factory=dict)

    def token(self, actor: dict[str, Any] | None = None) -> str:
        """A bearer token for ``actor`` (default: the county office), made once in the accounts database."""
        actor = actor or {"name": "县代表联络工作室", "role": "county_office", "station": None}
        key = (actor["name"], actor["role"], actor.get("station"))
        if key not in self.tokens:
            engine = make_engine(url_for(self.database_url, "accounts"), pool_size=1)
            with Session(engine) as session:
                _, self.tokens[key] = staff.create(session, actor["name"], actor["role"],
                                                   actor.get("station"), utcnow(),
                                                   default_registry().codes)
                session.commit()
            engine.dispose()
        return self.tokens[key]

    def http(self, method: str, path: str, body: Any = None,
             headers: dict[str, str] | None = None, token: str | None = "office") -> tuple[int, Any]:
        """A request; authenticated as the county office unless ``token`` says otherwise
        (None: no Authorization header)."""
        data = body if isinstance(body, bytes) or body is None else json.dumps(
            body, ensure_ascii=False).encode()
        auth = {}
        if token is not None:
            auth = {"Authorization": f"Bearer {self.token() if token == 'office' else token}"}
        request = urllib.request.Request(self.base_url + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  **auth, **(headers or {})})
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
    """The five processes on SQLite and on PostgreSQL; a module may narrow that with
    ``BACKENDS = (...)`` (to keep the default run short) and says why."""
    backends = getattr(request.module, "BACKENDS", ("sqlite", "postgresql"))
    if request.param == "postgresql" and not pg_available():
        pytest.skip("PostgreSQL does not answer at 127.0.0.1:5432")
    if request.param not in backends and not (request.param == "sqlite" and not pg_available()):
        pytest.skip(f"{request.module.__name__} runs on {', '.join(backends)} only")
    root = tmp_path_factory.mktemp(f"system-{request.param}")
    database_url = (f"sqlite:///{root}/<service>.db" if request.param == "sqlite"
                    else databases.create_pg_database())
    amqp_uri = vhost_factory()
    migrate(database_url, *catalogue.WITH_TABLES)
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
