"""`make bench`: every benchmark in turn, each printing its numbers; non-zero if any target is missed."""

from __future__ import annotations

import subprocess
import sys

BENCHES = (
    "tests.bench.bench_nlp",
    "tests.bench.bench_outbox",
    "tests.bench.bench_intake",
    "tests.bench.bench_duplicates",
    "tests.bench.bench_numbers",
    "tests.bench.bench_points",
    "tests.bench.bench_polls",
    "tests.bench.bench_notices",
)


def main() -> int:
    failed = []
    for module in BENCHES:
        print(f"\n=== {module} ===", flush=True)
        # Each in its own process: the classifier's memory figure must not include the outbox run, and so on.
        if subprocess.run([sys.executable, "-m", module], check=False).returncode != 0:
            failed.append(module)
    met = len(BENCHES) - len(failed)
    print(f"\nbenchmarks: {met} met their targets, {len(failed)} missed: {', '.join(failed) or '-'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
