"""Each service's declaration to the platform (`<service>.spec.SPEC`) and the one life of the long-running
processes (stop on SIGTERM/SIGINT, heartbeat file)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dvk_platform.running import LongRunning
from dvk_platform.spec import ServiceSpec, UnknownService, load_spec

SERVICES = sorted(p.parent.name for p in (Path(__file__).resolve().parents[2] / "services").glob("*/src"))


def test_every_service_declares_one_spec_under_its_name():
    specs = {service: load_spec(service) for service in SERVICES}
    assert all(isinstance(spec, ServiceSpec) and spec.name == service for service, spec in specs.items())
    assert {s for s, spec in specs.items() if spec.subscribes} == {"awards", "feed", "notify", "reporting"}
    assert {s for s, spec in specs.items() if not spec.publishes} == {"feed"}
    assert {s for s, spec in specs.items() if spec.all_wards} == {"feed"}
    assert {(s, c.name) for s, spec in specs.items() for c in spec.commands} == {("gateway", "create-admin"),
                                                                                 ("feed", "feed-key")}
    assert {s for s, spec in specs.items() if spec.seed and spec.seed.demo_only} == {"gateway"}
    assert {(s, p.module) for s, spec in specs.items() for p in spec.processes} == {
        ("reporting", "reporting.overdue"), ("notify", "notify.dispatcher")}


def test_no_service_subscribes_to_a_service_that_does_not_exist_or_to_itself():
    for service in SERVICES:
        assert set(load_spec(service).subscribes) <= set(SERVICES) - {service}, service


def test_an_unknown_service_is_named_as_such():
    with pytest.raises(UnknownService):
        load_spec("khong-co")


def test_a_spec_that_subscribes_without_handlers_is_refused():
    with pytest.raises(ValueError, match="no handlers"):
        ServiceSpec(name="x", subscribes=("registration",))


def test_a_stop_signal_ends_the_loop_calls_on_stop_and_gives_the_handlers_back(tmp_path):
    beat = tmp_path / "heartbeat"
    stopped = []
    before = signal.getsignal(signal.SIGTERM)
    with LongRunning(str(beat), on_stop=lambda: stopped.append(True)) as life:
        life.tick()
        assert beat.exists() and life.running
        os.kill(os.getpid(), signal.SIGTERM)
        assert life.wait(10) is True  # woken by the stop, not by the time-out
        assert not life.running and stopped == [True]
    assert signal.getsignal(signal.SIGTERM) is before


def test_the_heartbeat_is_touched_at_most_every_few_seconds(tmp_path):
    beat = tmp_path / "heartbeat"
    with LongRunning(str(beat), every=3600) as life:
        life.tick()
        os.utime(beat, (0, 0))
        life.tick()  # too soon: not touched again
        assert beat.stat().st_mtime == 0
    with LongRunning("") as life:  # no file configured: nothing written
        life.tick()


def test_a_process_under_the_helper_stops_gracefully_on_sigterm(tmp_path):
    beat = tmp_path / "heartbeat"
    script = textwrap.dedent(f"""
        from dvk_platform.running import LongRunning
        rounds = 0
        with LongRunning({str(beat)!r}, every=0) as life:
            while life.running:
                life.tick()
                rounds += 1
                life.wait(0.05)
        print("stopped after", rounds > 0)
    """)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not beat.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert beat.exists(), "the loop never beat"
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 0 and out.strip() == "stopped after True"
