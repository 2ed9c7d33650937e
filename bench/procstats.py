"""CPU time and peak memory of processes, from /proc (Linux), without psutil."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    cpu_seconds: float
    peak_rss_mb: float


def sample(pid: int) -> Sample | None:
    """CPU seconds used so far (user + system) and the peak resident set (VmHWM) of ``pid``."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    fields = stat.rsplit(") ", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime
    peak_kb = next((int(line.split()[1]) for line in status.splitlines()
                    if line.startswith("VmHWM:")), 0)
    return Sample(cpu, peak_kb / 1024)


def pids_named(fragment: str) -> list[int]:
    """Processes whose command line contains ``fragment`` (e.g. the broker's ``beam.smp``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue
            if fragment.encode() in cmdline:
                found.append(int(entry.name))
    return found


def pid_listening(port: int) -> int | None:
    """The process listening on TCP ``port`` (another broker or database on this machine, e.g. a
    test's private one, must not be counted)."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # LISTEN
                inodes.add(fields[9])
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                link = os.readlink(fd)
                if link.startswith("socket:[") and link[8:-1] in inodes:
                    return int(entry.name)
        except OSError:
            continue
    return None


def with_children(pid: int | None) -> list[int]:
    """``pid`` and its direct children (PostgreSQL's backends are the postmaster's children)."""
    if pid is None:
        return []
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(") ", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return [pid, *children]


Pids = list[int] | Callable[[], list[int]]


class CpuMeter:
    """CPU seconds used by a set of named process groups between ``start()`` and ``stop()``.

    A group given as a function is looked up again at ``stop()``: a process that started in
    between (a PostgreSQL backend for a connection opened during the run) counts from its start."""

    def __init__(self, groups: dict[str, Pids]):
        self.groups = groups
        self._start: dict[str, dict[int, float]] = {}
        self.cpu: dict[str, float] = {}
        self.peak: dict[str, float] = {}

    @staticmethod
    def _pids(pids: Pids) -> list[int]:
        return pids() if callable(pids) else pids

    def start(self) -> None:
        self._start = {name: {pid: s.cpu_seconds for pid in self._pids(pids)
                              if (s := sample(pid)) is not None}
                       for name, pids in self.groups.items()}
        self._machine = machine_busy_seconds()

    def stop(self) -> None:
        for name, pids in self.groups.items():
            before = self._start.get(name, {})
            now = {pid: s for pid in {*before, *self._pids(pids)}
                   if (s := sample(pid)) is not None}
            self.cpu[name] = sum(s.cpu_seconds - before.get(pid, 0.0) for pid, s in now.items())
            self.peak[name] = max((s.peak_rss_mb for s in now.values()), default=0)
        # everything else on the machine meanwhile (the bench itself, other people's work)
        self.cpu["other"] = max(0.0, machine_busy_seconds() - self._machine - sum(self.cpu.values()))


def machine_busy_seconds() -> float:
    """CPU seconds all cores spent busy since boot (/proc/stat; idle and iowait excluded)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / _TICKS
