"""``python -m bench [--n N]`` (``make bench N=…``): prints a table and one summary line

    e2e_per_s=<x> raw_confirmed_per_s=<y> ratio=<x/y> p99_routed_ms=<z> scale_2_vs_1=<r>

e2e_per_s is the slowest database's unpaced run; p99_routed_ms the worst paced (100/s) run."""

from __future__ import annotations

import argparse
import os
import sys
import time

from bench import infra, raw, report, scale
from bench.system import SERVICES, System, run_phase
from bench.workload import submissions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=2000, help="submissions per unpaced run")
    parser.add_argument("--paced-n", type=int, default=None,
                        help="submissions in the paced run (default: min(N, 1000))")
    parser.add_argument("--rate", type=float, default=100.0, help="the paced run's rate per second")
    parser.add_argument("--db", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (skipped if it does not answer)")
    parser.add_argument("--scale-n", type=int, default=None, help="cases per routing scaling run")
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    args = parser.parse_args(argv)
    paced_n = args.paced_n or min(args.n, 1000)

    def progress(line: str) -> None:
        if not args.quiet:
            print(f"  [{time.strftime('%H:%M:%S')}] {line}", file=sys.stderr, flush=True)

    env = {key: os.environ[key] for key in ("MAX_WORKERS", "OUTBOX_BATCH_SIZE", "LOG_LEVEL",
                                            "OUTBOX_POLL_SECONDS", "BATCH_SIZE",
                                            "BATCH_CONCURRENCY", "PREFETCH_COUNT")
           if key in os.environ}
    kinds = [k.strip() for k in args.db.split(",") if k.strip()]
    if "postgresql" in kinds and not infra.postgres_available():
        progress("PostgreSQL does not answer: skipped")
        kinds.remove("postgresql")

    bodies = submissions(args.n, f"raw{os.getpid()}")
    raw_uri = infra.create_vhost("raw")
    try:
        progress(f"raw kombu: {args.n} messages")
        raw_result = raw.measure(raw_uri, [b for _, b in bodies])
        progress("raw kombu: the messaging floor")
        floor = raw.floor(raw_uri, [b for _, b in bodies])
    finally:
        infra.delete_vhost(raw_uri)

    phases = []
    for kind in kinds:
        progress(f"{kind}: starting {', '.join(SERVICES)}")
        with System(kind, env=env) as system:
            run_id = f"{kind[:2]}{os.getpid()}"
            progress(f"{kind}: publishing {args.n} submissions as fast as the broker confirms")
            phases.append((kind, run_phase(system, "unpaced", submissions(args.n, run_id), args.n,
                                           None, max(300, args.n), progress)))
            progress(f"{kind}: paced run, {paced_n} at {args.rate:g}/s")
            phases.append((kind, run_phase(system, f"paced {args.rate:g}/s",
                                           submissions(paced_n, run_id + "p"), args.n + paced_n,
                                           args.rate, max(300, paced_n), progress)))

    scaling = None
    if not args.skip_scale and kinds:
        kind = "postgresql" if "postgresql" in kinds else kinds[0]
        n = args.scale_n or args.n
        scaling = (kind, scale.routing_rate(kind, 1, n, env, progress),
                   scale.routing_rate(kind, 2, n, env, progress))

    print(report.render(args.n, raw_result, phases, scaling, env, floor))
    return 0


if __name__ == "__main__":
    sys.exit(main())
