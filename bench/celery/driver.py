"""Celery driver of the benchmark: reads one JSON command per line on stdin, answers one JSON
line on stdout. Timing is done here, around exactly the work a Celery application does.

  {"op": "throughput", "n": N, "ignore": false}  send N add tasks with delay(), then get() each
                                                 result -> {"seconds": s}
  {"op": "throughput", "n": N, "ignore": true}   send N with ignore_result=True, wait until the
                                                 worker ran them all (BENCH_DONE_FILE) -> {"seconds": s}
  {"op": "latency", "n": N}                      N sequential add.delay(i, 2).get() -> {"ms": [...]}
  {"op": "chord", "n": N}                        chord(square.si(i) for i in range(N))(collect.s()), then
                                                 get() the callback's result -> {"seconds": s}
  {"op": "ping"}                                 -> {"ok": true} once the worker answers a task
"""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from celery import chord  # noqa: E402
from tasks import add, collect, square  # noqa: E402

DONE = os.environ["BENCH_DONE_FILE"]


def done_count():
    try:
        return os.stat(DONE).st_size
    except FileNotFoundError:
        return 0


def throughput(n, ignore):
    base = done_count()
    t0 = time.perf_counter()
    if ignore:
        for i in range(n):
            add.apply_async((i, 1), ignore_result=True)
        deadline = time.monotonic() + 300
        while done_count() < base + n:
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {done_count() - base} of {n} tasks ran within 300 s")
            time.sleep(0.001)
    else:
        results = [add.delay(i, 1) for i in range(n)]
        for i, r in enumerate(results):
            value = r.get(timeout=300)
            if value != i + 1:
                raise RuntimeError(f"task {i} answered {value!r}, expected {i + 1}")
    return {"seconds": time.perf_counter() - t0}


def run_chord(n):
    t0 = time.perf_counter()
    result = chord(square.si(i) for i in range(n))(collect.s())
    value = result.get(timeout=600)
    if value != n:
        raise RuntimeError(f"chord callback answered {value!r}, expected {n}")
    return {"seconds": time.perf_counter() - t0}


def latency(n):
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        value = add.delay(i, 2).get(timeout=30)
        out.append((time.perf_counter() - t0) * 1000)
        if value != i + 2:
            raise RuntimeError(f"latency task {i} answered {value!r}")
    return {"ms": out}


def main():
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            op = cmd["op"]
            if op == "throughput":
                reply = throughput(cmd["n"], cmd.get("ignore", False))
            elif op == "latency":
                reply = latency(cmd["n"])
            elif op == "chord":
                reply = run_chord(cmd["n"])
            elif op == "ping":
                add.delay(0, 0).get(timeout=60)
                reply = {"ok": True}
            else:
                raise ValueError(f"unknown op {op!r}")
        except Exception as exc:  # reported to the orchestrator, which stops the run
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        sys.stdout.write(json.dumps(reply) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
