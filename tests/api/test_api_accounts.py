"""Signing up, logging in and out, sessions, CSRF, tokens and the login throttle."""

from __future__ import annotations

import json
from pathlib import Path

from api.conftest import PASSWORD, Web


def test_sign_up_log_in_and_see_myself(web: Web) -> None:
    ana = web.person("ana", "Ana Ribeiro")
    me = ana.ok("GET", "/api/v1/me")
    assert me["account"] == "ana"
    assert me["name"] == "Ana Ribeiro"
    assert me["networks"] == []
    assert me["attention"] == {"to_validate": [], "join_requests": [], "to_vote": [], "to_close": []}


def test_the_session_cookie_is_http_only_secure_and_same_site(sqlite_web: Web) -> None:
    client = sqlite_web.client()
    client.post("/api/v1/accounts", json={"name": "bo", "password": PASSWORD})
    response = client.post("/api/v1/session", json={"name": "bo", "password": PASSWORD})
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie and "secure" in cookie and "samesite=lax" in cookie


def test_hosted_keys_and_passwords_are_not_stored_in_the_clear(sqlite_web: Web) -> None:
    from multitude.ledger import Keypair

    key = Keypair.generate()
    client = sqlite_web.client()
    client.post("/api/v1/accounts", json={"name": "cai", "password": PASSWORD, "secret": key.seed.hex()})
    assert client.post("/api/v1/session", json={"name": "cai", "password": PASSWORD}).status_code == 200
    row = sqlite_web.node.store.account("cai")
    assert row is not None
    assert row.password_hash.startswith("$argon2id$")
    assert json.loads(row.sealed_key)["kdf"] == "argon2id"
    stored = " ".join([*row, *(" ".join(c) for c in sqlite_web.node.store.credentials("cai"))])
    assert PASSWORD not in stored and key.seed.hex() not in stored
    database = Path(sqlite_web.node.store.url).read_bytes()
    assert key.seed not in database and key.seed.hex().encode() not in database


def test_a_change_by_cookie_needs_the_csrf_token(sqlite_web: Web) -> None:
    ana = sqlite_web.person("ana")
    before = sqlite_web.events()
    del ana.client.headers["x-csrf-token"]
    refused = ana.post("/api/v1/networks", json={"name": "Camp"})
    assert refused.status_code == 403
    assert "did not come from this site" in refused.json()["error"]["message"]
    assert sqlite_web.events() == before


def test_wrong_password_and_unknown_name_get_the_same_answer(sqlite_web: Web) -> None:
    sqlite_web.person("ana")
    client = sqlite_web.client()
    wrong = client.post("/api/v1/session", json={"name": "ana", "password": "not the password"})
    unknown = client.post("/api/v1/session", json={"name": "nobody", "password": "not the password"})
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json()


def test_login_is_rate_limited(sqlite_web: Web) -> None:
    sqlite_web.person("ana")
    client = sqlite_web.client()
    answers = [client.post("/api/v1/session", json={"name": "ana", "password": f"guess number {i}"}).status_code
               for i in range(6)]
    assert answers == [401] * 5 + [429]
    blocked = client.post("/api/v1/session", json={"name": "ana", "password": PASSWORD})
    assert blocked.status_code == 429
    assert int(blocked.headers["retry-after"]) > 0


def test_logging_out_revokes_the_session_on_the_node(sqlite_web: Web) -> None:
    ana = sqlite_web.person("ana")
    assert ana.delete("/api/v1/session").status_code == 204
    assert sqlite_web.node.store.credentials("ana") == []
    assert ana.get("/api/v1/me").status_code == 401


def test_an_api_token_acts_for_its_account_until_revoked(sqlite_web: Web) -> None:
    ana = sqlite_web.person("ana")
    issued = ana.ok("POST", "/api/v1/tokens", json={"label": "my script"})
    script = sqlite_web.client(headers={"authorization": f"Bearer {issued['token']}"})
    created = script.post("/api/v1/networks", json={"name": "Scripted"})  # no CSRF needed with a token
    assert created.status_code == 201, created.text
    assert [t["label"] for t in ana.ok("GET", "/api/v1/tokens")] == ["my script"]
    assert ana.delete(f"/api/v1/tokens/{issued['id']}").status_code == 204
    assert script.get("/api/v1/me").status_code == 401


def test_bad_sign_ups_name_the_field_and_store_nothing(sqlite_web: Web) -> None:
    client = sqlite_web.client()
    cases = [
        ({"name": "Ana!", "password": PASSWORD}, "name"),
        ({"name": "ana", "password": "short"}, "password"),
        ({"name": "ana", "password": PASSWORD, "secret": "zz"}, "secret"),
        ({"name": "ana"}, "password"),
    ]
    for body, field in cases:
        response = client.post("/api/v1/accounts", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["error"]["field"] == field
    assert sqlite_web.node.store.account("ana") is None
    assert sqlite_web.events() == 0


def test_a_taken_name_is_a_conflict(sqlite_web: Web) -> None:
    sqlite_web.person("ana")
    again = sqlite_web.client().post("/api/v1/accounts", json={"name": "ana", "password": PASSWORD})
    assert again.status_code in (409, 422)
    assert again.json()["error"]["field"] == "name"


def test_a_brought_identity_acts_through_a_device_of_its_own_and_never_forks(web: Web) -> None:
    from multitude.ledger import Keypair, seal

    key = Keypair.generate()
    laptop = [seal(key, seq=1, prev=None, type="agent.profile", body={"v": 1, "kind": "person", "name": "Ivo"})]
    web.client().post("/api/v1/events", json=laptop[0].wire_dict())  # what the laptop signed, brought first
    client = web.client()
    created = client.post("/api/v1/accounts", json={"name": "ivo", "password": PASSWORD, "secret": key.seed.hex()})
    assert created.status_code == 201 and created.json()["agent"] == key.public
    session = client.post("/api/v1/session", json={"name": "ivo", "password": PASSWORD})
    client.headers["x-csrf-token"] = session.json()["csrf"]
    assert session.json()["agent"] == key.public  # the account speaks for the identity
    network = client.post("/api/v1/networks", json={"name": "Ivo's lab"}).json()["network"]
    founder = web.node.network(network).founder
    assert founder == key.public
    by_identity = [event for event, _ in web.node.log() if event.author == key.public]
    assert [event.type for event in by_identity] == ["agent.profile", "agent.device_linked"]  # seq 1, 2: one chain
    assert by_identity[1].seq == 2 and by_identity[1].prev == by_identity[0].id
    assert web.node.equivocators() == []
    assert client.get("/api/v1/me").json()["name"] == "Ivo"  # the identity's own profile, kept
    again = web.client().post("/api/v1/accounts", json={"name": "ivo2", "password": PASSWORD,
                                                        "secret": key.seed.hex()})
    assert again.status_code == 409 and again.json()["error"]["field"] == "secret"


def test_reads_carry_etags_and_answer_not_modified(sqlite_web: Web) -> None:
    ana = sqlite_web.person("ana")
    first = ana.get("/api/v1/me")
    again = ana.get("/api/v1/me", headers={"if-none-match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""


def test_pages_load_nothing_from_elsewhere(sqlite_web: Web) -> None:
    page = sqlite_web.client().get("/login")
    policy = page.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "script-src 'self'" in policy
    assert "http://" not in page.text and "https://" not in page.text


def test_what_another_process_writes_is_seen_on_the_next_request(web: Web, tmp_path: Path) -> None:
    from multitude.node import Node

    ana = web.person("ana")
    assert ana.ok("GET", "/api/v1/networks")["total"] == 0
    with Node.open(home=tmp_path / "cli-home", db=web.url) as other:  # e.g. the command line
        from multitude.ledger import Keypair

        other.use_key(Keypair.generate())
        other.create_network("Written elsewhere")
    assert [n["name"] for n in ana.ok("GET", "/api/v1/networks")["items"]] == ["Written elsewhere"]


def test_a_name_no_account_could_have_is_answered_plainly_on_every_store(web: Web) -> None:
    client = web.client()
    signed = client.post("/api/v1/accounts", json={"name": "a\u0000b", "password": PASSWORD})
    assert signed.status_code == 422 and signed.json()["error"]["field"] == "name"
    logged = client.post("/api/v1/session", json={"name": "a\u0000b", "password": PASSWORD})
    assert logged.status_code == 401


def test_a_burst_of_concurrent_guesses_is_held_to_the_same_limit(sqlite_web: Web) -> None:
    import asyncio
    from collections import Counter

    import httpx

    sqlite_web.person("ana")

    async def burst() -> Counter[int]:
        transport = httpx.ASGITransport(app=sqlite_web.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            answers = await asyncio.gather(*(
                client.post("/api/v1/session", json={"name": "ana", "password": f"guess {i}"}) for i in range(20)))
        return Counter(answer.status_code for answer in answers)

    assert asyncio.run(burst()) == {401: 5, 429: 15}


def test_a_right_password_does_not_count_against_the_address(sqlite_web: Web) -> None:
    sqlite_web.person("ana")
    client = sqlite_web.client()
    for _ in range(8):  # more logins than the per-name limit, all right: none is refused
        assert client.post("/api/v1/session", json={"name": "ana", "password": PASSWORD}).status_code == 200


def test_changing_the_password_ends_every_other_session_and_token(web: Web) -> None:
    ana = web.person("ana")
    laptop = web.client()
    laptop.post("/api/v1/session", json={"name": "ana", "password": PASSWORD})
    token = ana.ok("POST", "/api/v1/tokens", json={"label": "script"})["token"]
    assert len(ana.ok("GET", "/api/v1/sessions")) == 2
    wrong = ana.put("/api/v1/me/password", json={"current_password": "not it at all", "new_password": "x" * 12})
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "current_password"
    short = ana.put("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "short"})
    assert short.status_code == 422 and short.json()["error"]["field"] == "new_password"
    assert laptop.get("/api/v1/me").status_code == 200  # nothing changed by the refused attempts
    changed = ana.put("/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a new long secret"})
    assert changed.status_code == 204
    assert ana.get("/api/v1/me").status_code == 200  # the session that changed it goes on
    assert laptop.get("/api/v1/me").status_code == 401
    assert web.client(headers={"authorization": f"Bearer {token}"}).get("/api/v1/me").status_code == 401
    fresh = web.client()
    assert fresh.post("/api/v1/session", json={"name": "ana", "password": PASSWORD}).status_code == 401
    assert fresh.post("/api/v1/session", json={"name": "ana", "password": "a new long secret"}).status_code == 200
    assert fresh.get("/api/v1/me").json()["agent"] == ana.agent  # the same identity, its key resealed


def test_one_can_see_and_end_ones_other_sessions(web: Web) -> None:
    ana = web.person("ana")
    phone = web.client(headers={"user-agent": "a phone"})
    phone.post("/api/v1/session", json={"name": "ana", "password": PASSWORD})
    sessions = ana.ok("GET", "/api/v1/sessions")
    other = next(item for item in sessions if not item["current"])
    assert other["label"] == "a phone"
    assert web.person("bo").delete(f"/api/v1/sessions/{other['id']}").status_code == 404  # not bo's to end
    assert ana.delete(f"/api/v1/sessions/{other['id']}").status_code == 204
    assert phone.get("/api/v1/me").status_code == 401
    assert [item["current"] for item in ana.ok("GET", "/api/v1/sessions")] == [True]


def test_expired_credentials_are_forgotten(sqlite_web: Web) -> None:
    sqlite_web.person("ana")
    store = sqlite_web.node.store
    row = store.credentials("ana")[0]
    store.drop_credentials([row.digest])
    store.add_credential(row._replace(expires="2000-01-01T00:00:00+00:00"))
    sqlite_web.person("bo")  # any new session sweeps what has expired
    assert store.credentials("ana") == []


def test_the_profile_page_changes_the_password_and_lists_sessions(sqlite_web: Web) -> None:
    ana = sqlite_web.person("ana")
    page = ana.get("/me").text
    assert 'id="sessions"' in page and "this one" in page and 'action="/me/password"' in page
    csrf = ana.client.headers["x-csrf-token"]
    wrong = ana.post("/me/password", data={"csrf": csrf, "current_password": "nope nope nope",
                                           "new_password": "a new long secret"})
    assert wrong.status_code == 422 and "the current password is wrong" in wrong.text
    done = ana.post("/me/password", data={"csrf": csrf, "current_password": PASSWORD,
                                          "new_password": "a new long secret"})
    assert done.status_code == 200 and "Your password is changed" in done.text


def test_join_requests_wait_on_the_deciders_home_and_network_page_until_decided(web: Web) -> None:
    ana, bo, cy = web.person("ana", "Ana"), web.person("bo", "Bo"), web.person("cy", "Cy")
    network = ana.ok("POST", "/api/v1/networks", json={"name": "Lab", "membership": "approval"})["network"]
    other = cy.ok("POST", "/api/v1/networks", json={"name": "Kitchen", "membership": "approval"})["network"]
    api = f"/api/v1/networks/{network}"
    bo.ok("POST", f"{api}/join", json={"note": "I can solder"})
    bo.ok("POST", f"/api/v1/networks/{other}/join", json={"note": "I can cook"})
    waiting = ana.ok("GET", "/api/v1/me")["attention"]["join_requests"]
    assert [(r["network_name"], r["member_name"], r["note"]) for r in waiting] == [("Lab", "Bo", "I can solder")]
    assert [r["member_name"] for r in ana.ok("GET", f"{api}/requests")] == ["Bo"]
    page = ana.get(f"/n/{network}").text
    assert "I can solder" in page and "I can cook" not in page
    listed = {n["name"]: n["members"] for n in ana.ok("GET", "/api/v1/networks")["items"]}
    assert listed == {"Lab": 1, "Kitchen": 1}  # the founders; a request is not a membership
    ana.ok("POST", f"{api}/members/{bo.agent}/approve", json={})
    assert ana.ok("GET", "/api/v1/me")["attention"]["join_requests"] == [] and ana.ok("GET", f"{api}/requests") == []
    assert {n["name"]: n["members"] for n in ana.ok("GET", "/api/v1/networks")["items"]}["Lab"] == 2
