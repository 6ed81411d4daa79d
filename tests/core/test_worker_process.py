"""A real `yimen worker` process killed between claim and acknowledgement: the event is delivered again
by the next worker and its effect is applied once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.core.sms_gateway import running_gateway

ROOT = Path(__file__).resolve().parents[2]


def _yimen(env: dict[str, str], *args: str, timeout: float = 60) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "yimen.cli", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def _shell(env: dict[str, str], code: str) -> str:
    return _yimen(env, "shell", "--no-imports", "-c", code).strip()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environment.update(
        YIMEN_VAR=str(tmp_path),
        YIMEN_EVENT_HANDLER_MODULES="tests.core.kill_handlers",
        YIMEN_TEST_MARKER=str(tmp_path / "deliveries.log"),
        YIMEN_OUTBOX_LEASE_SECONDS="2",
        PYTHONPATH=str(ROOT),
    )
    _yimen(environment, "migrate", "--verbosity", "0")
    return environment


def test_killed_worker_loses_nothing_and_the_effect_happens_once(env: dict[str, str], tmp_path: Path) -> None:
    _shell(
        env,
        "from yimen.core import events; from tests.core.kill_handlers import KILL, Kill; "
        "events.emit(KILL, Kill('X1'), key='case-X1:concluded')",
    )
    marker = tmp_path / "deliveries.log"

    worker = subprocess.Popen(
        [sys.executable, "-m", "yimen.cli", "worker"], env=env, cwd=ROOT, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 30
        # The line, not just the file: the handler opens the file before it writes and closes it.
        while not (marker.exists() and marker.read_text().endswith("\n")) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert marker.exists() and marker.read_text(), "the worker never picked the event up"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)

    status = (
        "from yimen.core.models import OutboxMessage as M; m = M.objects.get(key='case-X1:concluded'); "
        "print(m.status, m.attempts)"
    )
    assert _shell(env, status) == "claimed 1"  # claimed, never acknowledged

    time.sleep(2.1)  # the dead worker's lease runs out
    _yimen(env, "worker", "--once")

    assert _shell(env, status) == "done 2"
    assert marker.read_text().splitlines() == ["case-X1:concluded attempt 1", "case-X1:concluded attempt 2"]
    effects = (
        "from yimen.core.models import AuditEntry as A; print(A.objects.filter(action='test.effect').count())"
    )
    assert _shell(env, effects) == "1"


def test_a_worker_killed_after_the_gateway_took_an_sms_resends_it_with_the_same_key(
    env: dict[str, str],
) -> None:
    """The duplicate SMS of a worker kill: the gateway took the SMS, the worker died before recording it.
    The next worker sends it again under the same Idempotency-Key / msgid, and the gateway (keeping its
    side of the contract) sends it to the phone once."""
    with running_gateway("网关密钥") as gateway:
        env = {
            **env,
            "YIMEN_SMS_TRANSPORT": "http",
            "YIMEN_SMS_GATEWAY_URL": gateway.url,
            "YIMEN_SMS_GATEWAY_SECRET": "网关密钥",
        }
        _shell(
            env,
            "from yimen.core import notify; notify.queue_sms(phone='13812345678', template='case.accepted', "
            "context=dict(centre='中心', item='食品经营许可', number='N1', code='C1', due='12月10日'), "
            "key='sms:case.accepted:1:2')",
        )
        gateway.hold_answers = 1
        worker = subprocess.Popen(
            [sys.executable, "-m", "yimen.cli", "worker"], env=env, cwd=ROOT, start_new_session=True
        )
        try:
            assert gateway.held.wait(timeout=30), "the worker never sent the SMS"
        finally:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait(timeout=10)
        gateway.release.set()
        sms = (
            "from yimen.core.models import SmsMessage as S; s = S.objects.get(); print(s.status, s.attempts)"
        )
        assert _shell(env, sms) == "queued 1"  # taken by the gateway, not recorded as sent

        time.sleep(2.1)  # the dead worker's lease runs out
        _yimen(env, "worker", "--once")

        assert gateway.keys == [("sms:case.accepted:1:2", "sms:case.accepted:1:2")] * 2
        assert len(gateway.accepted) == 1 and gateway.repeats == 1
        assert _shell(env, sms.replace("s.attempts", "s.provider_id")) == "sent gw-1"
