"""`multitude serve`: the node's main job, as the README's first command runs it."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from cli.cli_fixtures import run_cli

from multitude.cli.serve import DEMO_PASSWORD


def _start(home: Path, *args: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "multitude.cli", "--home", str(home), "serve", "--port", "0", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    assert process.stdout is not None
    seen = []
    for line in process.stdout:
        seen.append(line)
        found = re.search(r"Open (http://\S+/)", line)
        if found:
            # Keep reading what it prints, so a full pipe never stalls the server.
            threading.Thread(target=process.stdout.read, daemon=True).start()
            return process, found.group(1)
    process.wait(5)
    process.stdout.close()
    raise AssertionError("the node stopped before it printed its address:\n" + "".join(seen))


@pytest.fixture
def demo_node(tmp_path: Path) -> Iterator[tuple[str, str]]:
    process, address = _start(tmp_path / "demo", "--demo")
    try:
        yield address, str(tmp_path / "demo")
    finally:
        process.terminate()
        process.wait(10)
        if process.stdout is not None:
            process.stdout.close()


def test_serve_demo_prints_the_address_and_lets_a_demo_person_log_in(demo_node: tuple[str, str]) -> None:
    address, _ = demo_node
    with httpx.Client(base_url=address) as client:
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/health").json()["status"] == "ok"
        session = client.post("/api/v1/session", json={"name": "ana", "password": DEMO_PASSWORD})
        assert session.status_code == 200
        # The session cookie is Secure, which an HTTP client keeps for https only: send it by hand.
        secret = session.cookies["multitude_session"]
        me = client.get("/api/v1/me", headers={"cookie": f"multitude_session={secret}"}).json()
        assert me["name"] == "Ana Ribeiro"
        assert {n["name"] for n in me["networks"]} >= {"Plaza Camp"}


def test_serve_refuses_a_port_in_use(tmp_path: Path, demo_node: tuple[str, str]) -> None:
    port = demo_node[0].rsplit(":", 1)[1].strip("/")
    code, output = run_cli(tmp_path / "other", "serve", "--port", port)
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in output


def test_secret_prints_the_seed_that_a_hosted_account_can_import(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_cli(home, "init", "--name", "ana")[0] == 0
    result = subprocess.run([sys.executable, "-m", "multitude.cli", "--home", str(home), "secret"],
                            capture_output=True, text=True, check=True)
    from multitude.keyring import Keyring

    assert result.stdout.strip() == Keyring(home).load("ana").seed.hex()
    assert "anyone who has it can sign as you" in result.stderr
