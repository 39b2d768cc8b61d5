"""Time a Python statement inside the target's own interpreter (run by ops.in_process).

Reads ``{"setup": str, "stmt": str, "warmup": int, "repeats": int}`` as JSON on stdin, runs
``setup`` once (untimed), ``stmt`` ``warmup`` times (untimed) and ``repeats`` times with
``time.perf_counter``, and prints ``{"times_ms": [...]}`` as the last line of stdout.
"""

import json
import sys
import time


def main() -> None:
    """Run the spec from stdin and print the timings."""
    spec = json.load(sys.stdin)
    ns: dict = {"__name__": "__bench__"}
    exec(compile(spec["setup"], "<setup>", "exec"), ns)
    stmt = compile(spec["stmt"], "<stmt>", "exec")
    for _ in range(spec["warmup"]):
        exec(stmt, ns)
    times = []
    for _ in range(spec["repeats"]):
        t0 = time.perf_counter()
        exec(stmt, ns)
        times.append((time.perf_counter() - t0) * 1000)
    print("\n" + json.dumps({"times_ms": times}))


if __name__ == "__main__":
    main()
