"""The benchmark's table and summary line."""

from __future__ import annotations

import os

from bench.raw import DELIVERIES_PER_CASE, PUBLISHES_PER_CASE, Floor, RawResult
from bench.system import PhaseResult


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _pcts(values: list[float]) -> str:
    return "/".join(f"{percentile(values, p):.0f}" for p in (50, 95, 99))


def render(n: int, raw: RawResult, phases: list[tuple[str, PhaseResult]],
           scaling: tuple[str, float, float] | None, env: dict[str, str],
           floor: Floor | None = None) -> str:
    lines = [
        f"liaison benchmark: N={n}, {os.cpu_count()} cores, broker + databases + services on "
        f"this machine" + (f"; {' '.join(f'{k}={v}' for k, v in sorted(env.items()))}" if env else ""),
        "",
        f"raw kombu, persistent, one confirm per message: publish {raw.publish_per_s:,.0f}/s, "
        f"consume+ack (prefetch 100) {raw.consume_per_s:,.0f}/s",
        *_floor_lines(floor),
        "",
        f"{'database':<11}{'run':<13}{'n':>6}{'e2e/s':>8}{'publish/s':>11}"
        f"{'→routed ms p50/95/99':>23}{'→archived ms p50/95/99':>25}",
    ]
    for kind, ph in phases:
        lines.append(f"{kind:<11}{ph.label:<13}{ph.n:>6}{ph.e2e_per_s:>8,.0f}{ph.publish_per_s:>11,.0f}"
                     f"{_pcts(ph.routed_ms):>23}{_pcts(ph.archived_ms):>25}")
    unpaced = [(k, ph) for k, ph in phases if ph.label == "unpaced"]
    if unpaced:
        names = list(dict.fromkeys(n for _, ph in unpaced for n in ph.cpu_s if n != "other"))
        names.append("other")
        lines += ["", "CPU over the unpaced run (% of one core) and peak resident memory (MB):",
                  f"{'process':<10}" + "".join(f"{k + ' cpu%':>17}{'MB':>7}" for k, _ in unpaced)]
        for name in names:
            row = f"{name:<10}"
            for _, ph in unpaced:
                cpu = ph.cpu_s.get(name)
                row += (f"{100 * cpu / ph.wall_s:>17.0f}{ph.peak_mb.get(name, 0):>7.0f}"
                        if cpu is not None else f"{'-':>17}{'-':>7}")
            lines.append(row)
        row = f"{'ms/case':<10}"
        for _, ph in unpaced:
            total = sum(cpu for name, cpu in ph.cpu_s.items() if name != "other")
            row += f"{1000 * total / ph.n:>17.1f}{'':>7}"
        lines.append(row)
        lines.append("(rabbitmq, postgres: the servers on 5672 and 5432, MB of the largest process; "
                     "other: every other process on the machine, the bench's publisher included; "
                     "ms/case: CPU of the services and servers per submission)")
    ratio_scale = float("nan")
    if scaling:
        kind, one, two = scaling
        ratio_scale = two / one
        lines += ["", f"routing alone ({kind}): 1 instance {one:,.0f} cases/s, 2 instances "
                      f"{two:,.0f} cases/s, ratio {ratio_scale:.2f}"]
    e2e = min((ph.e2e_per_s for _, ph in unpaced), default=float("nan"))
    paced = [ph for _, ph in phases if ph.label != "unpaced"]
    p99 = max((percentile(ph.routed_ms, 99) for ph in paced), default=float("nan"))
    lines += ["", f"e2e_per_s={e2e:.0f} raw_confirmed_per_s={raw.publish_per_s:.0f} "
                  f"ratio={e2e / raw.publish_per_s:.2f} p99_routed_ms={p99:.0f} "
                  f"scale_2_vs_1={ratio_scale:.2f}"]
    return "\n".join(lines)


def _floor_lines(floor: Floor | None) -> list[str]:
    if floor is None:
        return []
    cores = os.cpu_count() or 1
    return [
        f"messaging floor (raw kombu, confirms per 100, one ack per 50; client + broker CPU): "
        f"publish {1e6 * floor.publish_cpu_s:.0f} µs, deliver+ack {1e6 * floor.deliver_cpu_s:.0f} µs;",
        f"  a case's {PUBLISHES_PER_CASE} publishes and {DELIVERIES_PER_CASE} deliveries: "
        f"{1000 * floor.per_case_s:.2f} ms, so at most {cores / floor.per_case_s:,.0f} cases/s "
        f"on {cores} cores if the services cost nothing",
    ]
