"""The certificates' system signature (SM2 with SM3, certificates/signing.py): time per sign and per verify
(median of N), and how many certificates two processes sign a second. Target: at least 20 a second on the
2-core machine, the issuing rate of a province at its busiest hour with room to spare.

    .venv/bin/python bench/certificate_signing.py [--calls 200] [--seconds 5] [--processes 2]

It uses a key made for the run in a temporary YIMEN_VAR; nothing in var/ is touched. Exits 0 when the
target is met, 1 when missed, 2 when a signature made here does not verify.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date

from common import fail, load, machine, table, write_results

TARGET_PER_SECOND = 20
SECTION = "## Certificate system signature (bench/certificate_signing.py)"
CONTENT = {
    "identifier": "1.2.156.3005.2.11100000000013338W001.0001.001.U",
    "type_code": "11100000000013338W001",
    "number": "粤食经字第 4401060012345 号",
    "name": "食品经营许可证",
    "holder_name": "广州市某某餐饮管理有限公司",
    "holder_code": "91421200MA4K3T2Q77",  # an invented code with a valid check character
    "holder_code_type": "001",
    "issuer_name": "广州市市场监督管理局",
    "issuer_code": "11440100MB2C97263E",
    "issued_on": date(2026, 12, 7),
    "valid_from": date(2026, 12, 7),
    "valid_to": date(2031, 12, 6),
    "area_code": "440100",
    "case_number": "114401000000000000000120261207000123",
    "state": "01",
}


def setup(var: str) -> None:
    os.environ["YIMEN_VAR"] = var
    os.environ.pop("DATABASE_URL", None)
    os.environ.pop("YIMEN_SIGNING_KEY_FILE", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yimen.settings")
    import django

    django.setup()


def median_ms(calls: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(calls):
        begin = time.perf_counter()
        fn()
        times.append(time.perf_counter() - begin)
    return statistics.median(times) * 1000


def sign_for(var: str, seconds: float, results: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    setup(var)
    from yimen.certificates import signing

    data = signing.canonical(CONTENT)
    signing.sign(data)
    count, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        signing.sign(data)
        count += 1
    results.put(count)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    started, load_before = time.strftime("%Y-%m-%dT%H:%M:%S%z"), load()
    with tempfile.TemporaryDirectory() as var:
        setup(var)
        from yimen.certificates import signing

        data = signing.canonical(CONTENT)
        signing.sign(data)  # makes the key
        signature = signing.sign(data)
        if not signing.verify(data, signature) or signing.verify(data + b" ", signature):
            fail("a signature made here does not verify, or verifies for other content")
        canonical_ms = median_ms(args.calls, lambda: signing.canonical(CONTENT))
        sign_ms = median_ms(args.calls, lambda: signing.sign(data))
        verify_ms = median_ms(args.calls, lambda: signing.verify(data, signature))
        results: multiprocessing.Queue[int] = multiprocessing.Queue()
        workers = [
            multiprocessing.Process(target=sign_for, args=(var, args.seconds, results))
            for _ in range(args.processes)
        ]
        for worker in workers:
            worker.start()
        total = sum(results.get() for _ in workers)
        for worker in workers:
            worker.join()
    per_second = total / args.seconds
    verdict = "PASS" if per_second >= TARGET_PER_SECOND else "FAIL"
    lines = [
        SECTION,
        "",
        f"- Run: {started}; load average (1/5/15 min) {load_before} at start, {load()} at end",
        f"- Machine: {machine('snowland-smx', 'cryptography')}",
        f"- Content: a certificate of {len(CONTENT)} fields, {len(data)} bytes canonical (JSON, UTF-8)",
        "",
        *table(
            "| operation | value |",
            [
                [f"canonical(content), median of {args.calls} (ms)", f"{canonical_ms:.3f}"],
                [f"sign, median of {args.calls} (ms)", f"{sign_ms:.2f}"],
                [f"verify, median of {args.calls} (ms)", f"{verify_ms:.2f}"],
                [
                    f"signatures a second, {args.processes} processes for {args.seconds:g} s",
                    f"{per_second:,.0f}",
                ],
            ],
        ),
        f"**{per_second:,.0f} certificates signed a second (target ≥ {TARGET_PER_SECOND}): {verdict}**",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    write_results(SECTION, text)
    sys.exit(0 if verdict == "PASS" else 1)


if __name__ == "__main__":
    main()
