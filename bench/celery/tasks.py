"""The Celery side of the benchmark: one app with the same trivial task as celeriac's `math_add`.

Broker and result backend are the benchmark's Redis database (BENCH_REDIS_URL). Every setting is
Celery's default except the result TTL (1 hour, like celeriac's in the benchmark) and logging.
The worker is started by bench/celery/system.ts with `--pool prefork --concurrency 2`.

BENCH_DONE_FILE: each finished task appends one byte to this file (task_postrun), so the driver
can tell when N tasks sent with ignore_result=True have all run without reading anything from
Redis (which would add commands to Celery's bill).
"""
import os

from celery import Celery, signals

URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/13")

app = Celery("bench", broker=URL, backend=URL)
app.conf.update(
    result_expires=3600,
    worker_hijack_root_logger=False,
)


@app.task(name="math_add")
def add(a, b):
    return a + b


@app.task(name="bench_square")
def square(i):
    return i * i


@app.task(name="bench_collect")
def collect(results):
    if results != [i * i for i in range(len(results))]:
        raise ValueError("chord results out of order")
    return len(results)


_done_fd = None


@signals.task_postrun.connect
def _count_done(**_kwargs):
    global _done_fd
    path = os.environ.get("BENCH_DONE_FILE")
    if not path:
        return
    if _done_fd is None:
        _done_fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    os.write(_done_fd, b".")
