"""A private RabbitMQ node and a private PostgreSQL cluster, for tests that stop, restart or break
them (the fault-injection suite).

The broker and database at the standard ports are shared with other people and are never touched:
each private instance gets its own ports, its own data directory under a temporary directory, its
own Erlang port mapper (epmd) and cookie, and is torn down at the end. Only processes started here
are ever signalled, by their pid.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

RABBIT_BIN = Path("/usr/lib/rabbitmq/bin")
PG_BIN = Path("/usr/lib/postgresql/15/bin")


class InfraUnavailable(RuntimeError):
    """A private instance cannot be made on this machine (the reason is the message)."""


def free_port(low: int = 40000, high: int = 44000) -> int:
    """A port nobody listens on, from a range clear of RabbitMQ's defaults and of CLI ranges."""
    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        if _free_everywhere(port):
            return port
    raise InfraUnavailable(f"no free port in {low}-{high}")


def _free_everywhere(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("0.0.0.0", port))  # noqa: S104 - probing only, closed at once
            return True
        except OSError:
            return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _signal(pid: int | None, sig: int) -> None:
    if pid is None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, sig)


def _wait_gone(proc: subprocess.Popen | None, timeout: float) -> bool:
    if proc is None:
        return True
    try:
        proc.wait(timeout)
        return True
    except subprocess.TimeoutExpired:
        return False


class PrivateRabbit:
    """One RabbitMQ node of our own: ``start``, ``stop``, ``restart``, ``close``."""

    def __init__(self, root: Path, name: str = "liaison-chaos"):
        if not (RABBIT_BIN / "rabbitmq-server").exists():
            raise InfraUnavailable(f"{RABBIT_BIN}/rabbitmq-server is not installed")
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self.node = f"{name}-{os.getpid()}@localhost"
        self.port = free_port()
        self.dist_port = free_port()
        self.epmd_port = free_port()
        self._epmd: subprocess.Popen | None = None
        self._server: subprocess.Popen | None = None
        (root / "rabbitmq.conf").write_text(
            f"listeners.tcp.default = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"
            "log.console = false\n"
            "log.file.level = warning\n"
        )
        (root / "enabled_plugins").write_text("[].\n")  # no management listener: nothing to clash
        (root / "env.conf").write_text("")  # do not read /etc/rabbitmq/rabbitmq-env.conf
        cookie = root / ".erlang.cookie"
        cookie.write_text(f"LIAISONCHAOS{random.getrandbits(64):016X}")
        cookie.chmod(0o400)

    @property
    def amqp_uri(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def env(self) -> dict[str, str]:
        r = self.root
        return {
            **os.environ,
            "HOME": str(r),  # the private cookie
            "ERL_EPMD_PORT": str(self.epmd_port),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_MNESIA_BASE": str(r / "mnesia"),
            "RABBITMQ_LOG_BASE": str(r / "log"),
            "RABBITMQ_CONFIG_FILE": str(r / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(r / "enabled_plugins"),
            "RABBITMQ_CONF_ENV_FILE": str(r / "env.conf"),
            "RABBITMQ_PID_FILE": str(r / "node.pid"),
            "RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def ctl(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([str(RABBIT_BIN / "rabbitmqctl"), "-n", self.node, *args],
                              env=self.env(), capture_output=True, text=True, timeout=timeout)

    def start(self, timeout: float = 90) -> PrivateRabbit:
        env = self.env()
        if self._epmd is None or self._epmd.poll() is not None:
            self._epmd = subprocess.Popen(
                ["epmd", "-port", str(self.epmd_port), "-address", "127.0.0.1"],
                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                start_new_session=True)
        with (self.root / "server.out").open("ab") as out:
            self._server = subprocess.Popen([str(RABBIT_BIN / "rabbitmq-server")], env=env,
                                            cwd=self.root, stdout=out, stderr=subprocess.STDOUT,
                                            stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while not _listening(self.port):
            if self._server.poll() is not None:
                raise InfraUnavailable(
                    f"private RabbitMQ exited ({self._server.returncode}); see {self.root}/log")
            if time.monotonic() > deadline:
                raise InfraUnavailable(f"private RabbitMQ not up after {timeout}s")
            time.sleep(0.2)
        return self

    def stop(self, timeout: float = 60) -> None:
        """A clean broker shutdown (``rabbitmqctl stop``); SIGKILL of our own node if it hangs."""
        if self._server is None:
            return
        self.ctl("stop", timeout=timeout)
        if not _wait_gone(self._server, timeout):
            os.killpg(self._server.pid, signal.SIGKILL)
            self._server.wait(10)
        self._server = None

    def restart(self, down_seconds: float = 2.0) -> float:
        """Stop, stay down ``down_seconds``, start again; returns how long it was unreachable."""
        began = time.monotonic()
        self.stop()
        time.sleep(down_seconds)
        self.start()
        return time.monotonic() - began

    def close(self) -> None:
        try:
            self.stop(timeout=30)
        finally:
            if self._epmd is not None:
                _signal(self._epmd.pid, signal.SIGTERM)
                if not _wait_gone(self._epmd, 5):
                    _signal(self._epmd.pid, signal.SIGKILL)
                self._epmd = None


class PrivatePostgres:
    """A PostgreSQL 15 cluster of our own (``initdb`` in a temporary directory, as ``postgres``)."""

    def __init__(self, root: Path, user: str = "postgres"):
        if not (PG_BIN / "initdb").exists():
            raise InfraUnavailable(f"{PG_BIN}/initdb is not installed")
        try:
            self._pw = pwd.getpwnam(user)
        except KeyError:
            raise InfraUnavailable(f"no system user {user!r} to run PostgreSQL as") from None
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        os.chown(self.root, self._pw.pw_uid, self._pw.pw_gid)
        for parent in root.parents:  # let the owner reach its directory (mkdtemp makes 0700)
            if parent.stat().st_uid != os.geteuid() or parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o011)
        self.data = root / "data"
        self.port = free_port()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _as_owner(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        command = list(argv)
        if os.geteuid() == 0:
            command = ["runuser", "-u", self._pw.pw_name, "--", *command]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                cwd=self.root)
        if result.returncode != 0:
            raise InfraUnavailable(f"{argv[0]} failed: {result.stderr.strip()[-500:]}")
        return result

    def start(self) -> PrivatePostgres:
        if not self.data.exists():
            self._as_owner(str(PG_BIN / "initdb"), "-D", str(self.data), "-A", "trust",
                           "-U", "postgres", "-E", "UTF8", "--no-sync")
        # fsync off: the faults here are process crashes, not power cuts.
        options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c max_connections=300 -c full_page_writes=off")
        self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
                       str(self.root / "postgres.log"), "-o", options, "-w", "-t", "60", "start")
        return self

    def stop(self, mode: str = "fast") -> None:
        """``fast`` ends every session at once (what the services see of an outage)."""
        if (self.data / "postmaster.pid").exists():
            self._as_owner(str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                           "-t", "60", "stop")

    def create_database(self, name: str) -> str:
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def close(self) -> None:
        with contextlib.suppress(InfraUnavailable):
            self.stop("immediate")


def remove_tree(path: Path) -> None:
    shutil.rmtree(path, ignore_errors=True)
