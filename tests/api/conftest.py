"""The web node in process: the ASGI app over a real node (SQLite file or PostgreSQL schema),
and people who sign up and act through it, each with their own cookies, as a browser would."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from multitude.api import create_app
from multitude.node import Node

PASSWORD = "a long enough password"


class Person:
    """Someone using the node through its API with a session cookie (and its CSRF header)."""

    def __init__(self, app: FastAPI, name: str, agent: str, client: TestClient) -> None:
        self.app = app
        self.name = name
        self.agent = agent
        self.client = client

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.get(url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.post(url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.put(url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.client.delete(url, **kwargs)

    def ok(self, method: str, url: str, **kwargs: Any) -> Any:
        """The JSON of a request that must succeed (the error is shown when it does not)."""
        response = self.client.request(method, url, **kwargs)
        assert response.status_code < 400, f"{method} {url}: {response.status_code} {response.text}"
        return response.json() if response.content else None


class Web:
    def __init__(self, node: Node, url: str) -> None:
        self.node = node
        self.url = url  # the store's address, for a second process on the same store
        self.app = create_app(node)

    def client(self, **kwargs: Any) -> TestClient:
        # https: the session cookie is Secure, and a client sends it only over HTTPS.
        return TestClient(self.app, base_url="https://testserver", **kwargs)

    def person(self, name: str, display_name: str = "") -> Person:
        """Sign up through the API, log in, and keep the session (cookie and CSRF token)."""
        client = self.client()
        created = client.post("/api/v1/accounts", json={"name": name, "password": PASSWORD,
                                                         "display_name": display_name or name.title()})
        assert created.status_code == 201, created.text
        session = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
        assert session.status_code == 200, session.text
        client.headers["x-csrf-token"] = session.json()["csrf"]
        return Person(self.app, name, session.json()["agent"], client)

    def events(self) -> int:
        return self.node.store.count_events()


@pytest.fixture
def web(store_url: str, tmp_path: Path) -> Iterator[Web]:
    """The web node on SQLite and on PostgreSQL."""
    with Node.open(home=tmp_path / "home", db=store_url) as node:
        yield Web(node, store_url)


@pytest.fixture
def sqlite_web(tmp_path: Path) -> Iterator[Web]:
    """The web node on SQLite only (for tests about HTTP itself rather than storage)."""
    with Node.open(home=tmp_path / "home") as node:
        yield Web(node, node.store.url)
