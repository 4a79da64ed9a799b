"""A real Celery worker process consumes from the configured broker: the embedded filesystem
broker by default, Redis when REDIS_URL is set (as in CI)."""

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from celery import Celery

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker_env(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    if not env.get("REDIS_URL"):
        # A broker folder of the test's own, so no developer's running worker takes the message.
        env["CELERY_FILESYSTEM_BROKER_DIR"] = str(tmp_path / "broker")
    env["VAR_DIR"] = str(tmp_path / "var")
    return env


def _client_app(env: dict[str, str]) -> Celery:
    """A producer configured exactly as the project configures itself, from the same environment."""
    probe = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps([s.CELERY_BROKER_URL, s.CELERY_RESULT_BACKEND, s.CELERY_BROKER_TRANSPORT_OPTIONS]))"
    )
    out = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    ).stdout
    broker, backend, options = json.loads(out.strip().splitlines()[-1])
    app = Celery("ping-client", broker=broker, backend=backend)
    app.conf.broker_transport_options = options
    return app


@pytest.mark.celery_worker
def test_ping_runs_through_a_real_worker(worker_env):
    queue = f"ping-test-{uuid.uuid4().hex[:8]}"
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-mingle",
            "--without-gossip",
            "-Q",
            queue,
        ],
        cwd=ROOT,
        env=worker_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        app = _client_app(worker_env)
        result = app.send_task("config.tasks.ping", queue=queue)
        assert result.get(timeout=60) == "pong"
    finally:
        worker.terminate()
        try:
            output, _ = worker.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            output, _ = worker.communicate()
    assert "config.tasks.ping" in output
