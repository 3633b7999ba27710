"""participation.caching.figures: small figures are always exact, large ones at most TTL old."""

from __future__ import annotations

import threading
import time

import pytest

from participation.caching import figures as cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.forget()
    yield
    cache.forget()


def counter(values: list[int]):
    calls = []

    def compute() -> int:
        calls.append(1)
        return values[len(calls) - 1]

    return compute, calls


def test_a_small_figure_is_counted_every_time():
    compute, calls = counter([5, 6])
    assert cache.large_figure("k", compute, int) == 5
    assert cache.large_figure("k", compute, int) == 6
    assert len(calls) == 2


def test_a_large_figure_is_kept_until_it_is_ttl_old(monkeypatch):
    compute, calls = counter([80_000, 80_001])
    assert cache.large_figure("k", compute, int) == 80_000
    assert cache.large_figure("k", compute, int) == 80_000
    assert len(calls) == 1
    later = time.monotonic() + cache.TTL_SECONDS + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert cache.large_figure("k", compute, int) == 80_001
    assert len(calls) == 2


def test_a_figure_that_shrank_below_the_threshold_is_not_kept(monkeypatch):
    compute, _calls = counter([2_000, 10, 11])
    cache.large_figure("k", compute, int)
    later = time.monotonic() + cache.TTL_SECONDS + 1
    monkeypatch.setattr(cache.time, "monotonic", lambda: later)
    assert cache.large_figure("k", compute, int) == 10
    assert cache.large_figure("k", compute, int) == 11


def test_keys_are_kept_apart():
    assert cache.large_figure(("a", 1), lambda: 5_000, int) == 5_000
    assert cache.large_figure(("a", 2), lambda: 7_000, int) == 7_000
    assert cache.large_figure(("a", 1), lambda: 1, int) == 5_000


def test_simultaneous_requests_compute_a_large_figure_once():
    calls = []
    started = threading.Event()

    def slow() -> int:
        calls.append(1)
        started.set()
        time.sleep(0.2)
        return 50_000

    results = []
    threads = [
        threading.Thread(target=lambda: results.append(cache.large_figure("k", slow, int)))
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [50_000] * 8
    assert len(calls) == 1
