"""Section 2: how fast the suites send requests, against a bare ``httpx.Client`` loop to the same sandbox.

The suite rate is requests_sent over the time spent in tests (the sum of each test's ``seconds``: start-up,
collection and reporting excluded). The raw rate is the same number of requests, one authenticated read in a
loop, to a ``SandboxServer`` in a thread of this process: as in a suite run, client and server share one
interpreter. The ratio is the suites' overhead: generation, validation, budget, recording. Only the concerns
that do not generate data have a target (>= 0.5). The rate-limits suite waits for Retry-After on purpose, so
its rate says how long the sandbox's window is, not how slow the suite is.

Each concern's row also shows its ceiling: the best ratio a suite of one pytest item per check could reach at
that concern's requests per test, from the per-item cost of pytest and allure-pytest alone (``bench.floor``).
A second row per concern takes that per-item cost out of the suite's time: what apiconform's own code (checks,
client, fixtures, hooks) costs against the raw requests, which is the part of the gap this project can close.
"""

from __future__ import annotations

from collections.abc import Callable

import httpx

from bench.common import MeasureError, apiconform_run
from bench.floor import Floor, measure_floor
from bench.model import Row, Section, verdict
from bench.sandbox import READ_PATH, READ_QUERY, chorus_base, read_headers, register_credentials, timed_loop
from bench.stats import Stat

TITLE = "2. Suite request rate vs a raw httpx loop (per concern)"
CONCERNS = ("contract", "field-types", "auth", "environments", "isolation", "rate-limits", "lifecycle")
GENERATED = {"contract", "field-types"}
WAITS = {"rate-limits"}
TARGET = 0.5
WARM_UP = 20


def measure(repeat: int) -> Section:
    from apiconform.sandbox.server import SandboxServer

    section = Section("rates", TITLE)
    server = SandboxServer()
    manifest = server.start()
    register_credentials(manifest.credentials)
    try:
        headers = read_headers(manifest.credentials["sandbox"]["primary"])
        with httpx.Client(base_url=chorus_base(manifest.root_url), headers=headers, timeout=10) as client:

            def read() -> httpx.Response:
                return client.get(READ_PATH, params=READ_QUERY)

            timed_loop(read, count=WARM_UP)
            floor = _floor(section, repeat)
            for concern in CONCERNS:
                try:
                    _concern(section, concern, repeat, read, floor)
                except MeasureError as exc:
                    section.errors.append(f"{concern}: {exc}")
    finally:
        server.stop()
    section.notes.append(
        "suite rate = requests_sent / sum of the tests' seconds; raw = the same count of Chorus GET /tests "
        "(client id + secret) through one httpx.Client to a SandboxServer thread of the bench process"
    )
    return section


def _floor(section: Section, repeat: int) -> Floor | None:
    """The per-item floor, measured ``repeat`` times (medians); None (and an error) when it cannot be."""
    try:
        floors = [measure_floor() for _ in range(repeat)]
    except MeasureError as exc:
        section.errors.append(f"per-item floor: {exc}")
        return None
    overhead = Stat.of([1000 * f.overhead_s for f in floors])
    raw = Stat.of([1000 * f.raw_s for f in floors])
    floor = Floor(overhead.median / 1000, raw.median / 1000)
    section.rows.append(
        Row.of(
            "pytest + allure-pytest per item, no checks",
            overhead,
            "{:.2f}",
            " ms",
            note=f"beyond its one request ({raw.median:.2f} ms raw); ceiling at 1 request per test: "
            f"{floor.ceiling(1):.2f}",
        )
    )
    section.data["per_item_floor"] = {"overhead_ms": overhead.as_dict(), "raw_ms": raw.as_dict()}
    return floor


def _concern(
    section: Section, concern: str, repeat: int, read: Callable[[], httpx.Response], floor: Floor | None
) -> None:
    """``repeat`` pairs of (suite run, raw loop of as many requests), interleaved."""
    suite_rates, raw_rates, ratios, counts, per_test, own = [], [], [], [], [], []
    for _ in range(repeat):
        run = apiconform_run(["--profile", "quick", "--only", concern], timeout=300)
        if not run.requests or not run.test_seconds:
            raise MeasureError(f"`apiconform run --only {concern}` sent no request or took no test time")
        suite = run.requests / run.test_seconds
        raw = timed_loop(read, count=run.requests)
        suite_rates.append(suite)
        raw_rates.append(raw)
        ratios.append(suite / raw)
        counts.append(run.requests)
        tests = max(1, len(run.results.get("tests", [])))
        per_test.append(run.requests / tests)
        if floor is not None and run.test_seconds > tests * floor.overhead_s:
            own.append(run.requests / (run.test_seconds - tests * floor.overhead_s) / raw)
    ceiling = floor.ceiling(Stat.of(per_test).median) if floor is not None else None
    _rows(section, concern, Stat.of(suite_rates), Stat.of(raw_rates), Stat.of(ratios), Stat.of(counts), ceiling)
    section.data[concern]["requests_per_test"] = Stat.of(per_test).as_dict()
    if own and concern not in GENERATED | WAITS:
        _own_row(section, concern, Stat.of(own))


def _own_row(section: Section, concern: str, own: Stat) -> None:
    """The ratio with pytest's and allure-pytest's per-item cost taken out (informational: no target)."""
    section.rows.append(
        Row.of(
            f"{concern}: suite beyond the per-item floor / raw",
            own,
            "{:.2f}",
            note="the suite's test time minus tests x the floor: apiconform's own checks, client and hooks",
        )
    )
    section.data[concern]["beyond_floor_ratio"] = own.as_dict()


def _rows(
    section: Section, concern: str, suite: Stat, raw: Stat, ratio: Stat, count: Stat, ceiling: float | None
) -> None:
    if concern in GENERATED:
        target, mark, note = "", "", "generated (no target)"
    elif concern in WAITS:
        ok = ratio.median >= TARGET
        target = f">= {TARGET:g}"
        mark = verdict(ok) if ok else "below (by design)"
        note = "waits for Retry-After on purpose"
    else:
        target, mark, note = f">= {TARGET:g}", verdict(ratio.median >= TARGET), ""
        if ratio.median < TARGET and ceiling is not None and ceiling < TARGET:
            # Not this project's checks alone: pytest and allure-pytest per item already cost more than allowed.
            mark, note = "miss (ceiling below target)", "one item per check cannot reach the target here"
    detail = f"suite {suite.median:,.0f} req/s vs raw {raw.median:,.0f} req/s, {count.median:.0f} requests"
    if ceiling:
        detail += f"; ceiling {ceiling:.2f} ({ratio.median / ceiling:.0%} of it)"
    section.rows.append(
        Row.of(
            f"{concern}: suite / raw",
            ratio,
            "{:.2f}",
            target=target,
            verdict=mark,
            note="; ".join(filter(None, (detail, note))),
        )
    )
    section.data[concern] = {
        "suite_rate": suite.as_dict(),
        "raw_rate": raw.as_dict(),
        "ratio": ratio.as_dict(),
        "requests_sent": count.as_dict(),
        "generated": concern in GENERATED,
        "ceiling": ceiling,
    }
