"""The settings module: the production profile refuses weak configuration, and passes --deploy."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k3y-" + "x7Qp2Lm9Zr4Tb8Wc1Nd6Hf0Jg5Ks3Vy-" * 2


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    # The environment of a production process: none of the test run's own switches.
    dropped = {"SECRET_KEY", "DJANGO_PROFILE", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in dropped}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key():
    result = _manage("check", DJANGO_PROFILE="production", ALLOWED_HOSTS="service.example")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _manage("check", DJANGO_PROFILE="production", SECRET_KEY=STRONG_KEY)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set" in result.stderr


def test_production_profile_passes_the_deploy_check_without_warnings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_PROFILE="production",
        SECRET_KEY=STRONG_KEY,
        ALLOWED_HOSTS="service.example",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_an_unreadable_boolean_fails_loudly():
    result = _manage("check", DEBUG="perhaps")
    assert result.returncode != 0
    assert "DEBUG='perhaps' is not a boolean" in result.stderr


def test_the_embedded_default_is_sqlite_in_immediate_mode_with_a_filesystem_broker(tmp_path):
    probe = (
        "from django.conf import settings as s; d = s.DATABASES['default'];"
        "print(d['ENGINE'], d['OPTIONS']['transaction_mode'], s.CELERY_BROKER_URL)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", probe],
        cwd=ROOT,
        env={**clean, "VAR_DIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == ["django.db.backends.sqlite3", "IMMEDIATE", "filesystem://"], (
        result.stderr
    )
