"""The event log over HTTP: listing with statuses, paging, who sees which events, events signed
elsewhere (accepted, tampered, refused by the rules, posted twice), verification and health."""

from __future__ import annotations

from typing import Any

from api.conftest import PASSWORD, Person, Web
from tamper import tamper

from multitude.api.access import is_insider
from multitude.api.views.events import visible_networks
from multitude.ledger import Event, Keypair, seal


def person_with_key(web: Web, name: str) -> tuple[Person, Keypair]:
    """Someone who brought their own key, so the test can also sign as them."""
    key = Keypair.generate()
    client = web.client()
    created = client.post("/api/v1/accounts", json={"name": name, "password": PASSWORD,
                                                    "display_name": name.title(), "secret": key.seed.hex()})
    assert created.status_code == 201, created.text
    session = client.post("/api/v1/session", json={"name": name, "password": PASSWORD})
    client.headers["x-csrf-token"] = session.json()["csrf"]
    return Person(web.app, name, key.public, client), key


def camp(web: Web) -> tuple[Person, Person, str]:
    """Ana founds Camp, Bo joins it."""
    ana, bo = web.person("ana", "Ana"), web.person("bo", "Bo")
    network = ana.ok("POST", "/api/v1/networks", json={"name": "Camp"})["network"]
    bo.ok("POST", f"/api/v1/networks/{network}/join", json={})
    return ana, bo, network


def contribution(key: Keypair, network: str, seq: int = 1, prev: str | None = None) -> Event:
    return seal(key, seq=seq, prev=prev, type="contribution.logged", network=network,
                body={"v": 1, "action": "work", "hours": "2", "note": "built the kitchen"})


def everything(person: Person, **params: Any) -> list[dict[str, Any]]:
    return list(person.ok("GET", "/api/v1/events", params={"limit": 200, **params})["items"])


def test_the_log_lists_events_with_where_each_stands(web: Web) -> None:
    ana, bo, network = camp(web)
    stranger = Keypair.generate()
    web.node.submit([contribution(stranger, network)])  # replication keeps what the rules reject
    page = ana.ok("GET", "/api/v1/events")
    assert page["total"] == web.events() == 5  # two profiles, the network, Bo's join, the stranger's work
    newest = page["items"][0]
    assert newest["type"] == "contribution.logged"
    assert newest["status"] == "rejected" and "member" in newest["reason"]
    assert newest["network"] == network and newest["network_name"] == "Camp"
    assert newest["body"]["note"] == "built the kitchen"
    joined = next(item for item in page["items"] if item["type"] == "membership.requested")
    assert (joined["author"], joined["author_name"], joined["status"]) == (bo.agent, "Bo", "applied")
    rejected = ana.ok("GET", "/api/v1/events", params={"status": "rejected"})
    assert [item["id"] for item in rejected["items"]] == [newest["id"]] and rejected["total"] == 1
    by_bo = ana.ok("GET", "/api/v1/events", params={"author": bo.agent, "order": "oldest"})
    assert [item["type"] for item in by_bo["items"]] == ["agent.profile", "membership.requested"]
    by_type = ana.ok("GET", "/api/v1/events", params={"type": "network.created", "network": "Camp"})
    assert by_type["total"] == 0  # the creation of a network is not inside it
    page_html = ana.get("/events", params={"status": "rejected"}).text
    assert "contribution.logged" in page_html and 'class="badge rejected"' in page_html
    assert newest["reason"] in page_html and 'href="/verify"' in page_html


def test_bad_filters_name_the_field(web: Web) -> None:
    ana = web.person("ana")
    for params, field in [({"status": "lost"}, "status"), ({"type": "party.thrown"}, "type"),
                          ({"author": "ana"}, "author"), ({"limit": 0}, "limit"), ({"order": "random"}, "order")]:
        response = ana.get("/api/v1/events", params=params)
        assert response.status_code == 422, params
        assert response.json()["error"]["field"] == field
    assert ana.get("/api/v1/events", params={"network": "Nowhere"}).status_code == 404
    assert ana.get("/api/v1/events/not-an-id").json()["error"]["field"] == "event"


def test_paging_is_stable_in_both_orders(web: Web) -> None:
    ana, _, network = camp(web)
    for name in ("cai", "dan", "eve"):
        web.person(name).ok("POST", f"/api/v1/networks/{network}/join", json={})
    oldest = [item["id"] for item in everything(ana, order="oldest")]
    assert len(oldest) == web.events() == 10
    for order, expected in (("oldest", oldest), ("newest", oldest[::-1])):
        seen, offset, pages = [], 0, 0
        while offset is not None:
            page = ana.ok("GET", "/api/v1/events", params={"order": order, "limit": 3, "offset": offset})
            assert page["total"] == 10 and len(page["items"]) <= 3
            seen += [item["id"] for item in page["items"]]
            offset, pages = page["next_offset"], pages + 1
        assert seen == expected and pages == 4
    beyond = ana.ok("GET", "/api/v1/events", params={"offset": 50})
    assert beyond["items"] == [] and beyond["total"] == 10 and beyond["next_offset"] is None
    second = ana.get("/events", params={"limit": 3, "offset": 3, "order": "oldest"}).text
    assert "Events 4–6 of 10" in second and "offset=0" in second and "offset=6" in second


def test_an_outsider_sees_neither_a_networks_events_nor_their_count(web: Web) -> None:
    ana, _, network = camp(web)
    outsider = web.person("cai")
    inside = [item for item in everything(ana) if item["network"] == network]
    assert inside and len(everything(ana)) == web.events()
    seen = everything(outsider)
    assert seen and all(item["network"] is None for item in seen)
    assert outsider.ok("GET", "/api/v1/events")["total"] == len(seen) == web.events() - len(inside)
    refused = outsider.get(f"/api/v1/events/{inside[0]['id']}")
    assert refused.status_code == 403 and "only members of Camp" in refused.json()["error"]["message"]
    assert outsider.get("/api/v1/events", params={"network": network}).status_code == 403
    assert outsider.get(f"/events/{inside[0]['id']}").status_code == 403
    assert "Camp" not in outsider.get("/events").text
    assert ana.ok("GET", f"/api/v1/events/{inside[0]['id']}")["event"]["network"] == network


def test_members_of_a_network_see_the_events_of_its_member_networks(web: Web) -> None:
    ana, key = person_with_key(web, "ana")
    founder = web.node.speaking_as(key)
    federation = founder.create_network("Federation")
    camp_id = founder.create_network("Camp")
    founder.request_membership(federation, on_behalf_of=camp_id)
    bo, cai = web.person("bo"), web.person("cai")
    bo.ok("POST", f"/api/v1/networks/{camp_id}/join", json={})
    cai.ok("POST", f"/api/v1/networks/{federation}/join", json={})
    assert {item["network"] for item in everything(cai)} == {None, federation, camp_id}
    assert {item["network"] for item in everything(bo)} == {None, camp_id}  # not up into the federation
    for person in (ana, bo, cai):
        assert visible_networks(web.node, person.agent) == {
            row.network for row in web.node.networks() if is_insider(web.node, row.network, person.agent)}


def test_an_event_signed_elsewhere_is_stored_with_its_receipt(web: Web) -> None:
    ana = web.person("ana")
    dee = Keypair.generate()
    profile = seal(dee, seq=1, prev=None, type="agent.profile", body={"v": 1, "kind": "person", "name": "Dee"})
    before = web.events()
    anonymous = web.client()
    posted = anonymous.post("/api/v1/events", content=profile.wire(), headers={"content-type": "application/json"})
    assert posted.status_code == 201, posted.text
    assert posted.json() == {"event": profile.id, "type": "agent.profile", "status": "applied", "reason": ""}
    assert web.events() == before + 1
    shown = ana.ok("GET", f"/api/v1/events/{profile.id}")
    assert shown["event"] == profile.wire_dict() and shown["author_name"] == "Dee"
    assert shown["signature_holds"] and shown["chain_holds"] and shown["status"] == "applied"
    second = seal(dee, seq=2, prev=profile.id, type="agent.profile", body={"v": 1, "kind": "person", "name": "Dee D."})
    assert anonymous.post("/api/v1/events", json=second.wire_dict()).status_code == 201
    assert ana.ok("GET", f"/api/v1/events/{second.id}")["chain"].startswith("follows its author's seq 1")
    page = ana.get(f"/events/{second.id}").text
    assert "Dee D." in page and second.sig in page and page.count('class="badge applied"') == 3


def test_posting_an_event_twice_is_harmless(web: Web) -> None:
    ana, _, network = camp(web)
    founded = ana.ok("GET", f"/api/v1/events/{network}")["event"]  # a network's id is its creation's
    before = web.events()
    again = web.client().post("/api/v1/events", json=founded)
    assert again.status_code == 200
    assert again.json() == {"event": network, "type": "network.created", "status": "applied", "reason": ""}
    assert web.events() == before


def test_a_tampered_or_malformed_event_is_refused_and_nothing_stored(web: Web) -> None:
    web.person("ana")
    dee = Keypair.generate()
    wire = seal(dee, seq=1, prev=None, type="agent.profile", body={"v": 1, "kind": "person", "name": "Dee"}).wire_dict()
    forged_sig = wire["sig"][:-1] + ("0" if wire["sig"][-1] != "0" else "1")
    cases: list[tuple[Any, str]] = [
        ({**wire, "body": {**wire["body"], "name": "Mallory"}}, "id"),  # content changed after signing
        ({**wire, "sig": forged_sig}, "sig"),
        ({key: value for key, value in wire.items() if key != "sig"}, "sig"),
        ({**wire, "extra": 1}, "extra"),
        ({**wire, "seq": 1.5}, "event"),  # no floats in a signed event
        ("not json at all", "event"),
        ("x" * 70_000, "event"),
    ]
    bad_body = seal(dee, seq=1, prev=None, type="agent.profile", body={"v": 1, "kind": "robot", "name": "Dee"})
    cases.append((bad_body.wire_dict(), "body.kind"))
    before = web.events()
    client = web.client()
    for sent, field in cases:
        body = sent.encode() if isinstance(sent, str) else None
        response = client.post("/api/v1/events", content=body) if body else client.post("/api/v1/events", json=sent)
        assert response.status_code == 422, (field, response.text)
        assert response.json()["error"]["field"] == field
    assert web.events() == before


def test_an_event_the_rules_reject_is_refused_with_the_reason_and_not_stored(web: Web) -> None:
    ana, _, network = camp(web)
    stranger = Keypair.generate()
    refused_work = contribution(stranger, network)
    before = web.events()
    refused = web.client().post("/api/v1/events", json=refused_work.wire_dict())
    assert refused.status_code == 403
    assert "member" in refused.json()["error"]["message"]
    assert web.events() == before
    assert ana.get(f"/api/v1/events/{refused_work.id}").status_code == 404
    assert all(item["id"] != refused_work.id for item in everything(ana))
    # What was undone is undone in memory too: the node goes on, and still verifies.
    ana.ok("POST", "/api/v1/networks", json={"name": "Kitchen"})
    assert ana.ok("GET", "/api/v1/verify")["intact"]


def test_an_event_that_belongs_earlier_in_the_log_is_judged_there(web: Web) -> None:
    ana, _, network = camp(web)
    founded = ana.ok("GET", f"/api/v1/events/{network}")["event"]["time"]
    stranger = Keypair.generate()
    early = seal(stranger, seq=1, prev=None, type="contribution.logged", network=network, time=founded,
                 body={"v": 1, "action": "work", "hours": "1"})
    before = web.events()
    assert web.client().post("/api/v1/events", json=early.wire_dict()).status_code == 403
    assert web.events() == before
    assert ana.ok("GET", "/api/v1/verify")["intact"]


def test_verify_reports_an_intact_log_and_catches_tampering(web: Web) -> None:
    ana, _, _ = camp(web)
    result = ana.ok("GET", "/api/v1/verify")
    assert result["intact"] and result["events"] == web.events() and result["problems"] == []
    assert result["summary"] == f"Intact: {web.events()} events, signatures, ids and projection all check."
    assert "Intact:" in ana.get("/verify").text
    joined = next(item for item in everything(ana) if item["type"] == "membership.requested")
    forged = "0" * 128
    tamper(web.url, "UPDATE events SET sig = ? WHERE id = ?", (forged, joined["id"]))
    assert ana.ok("GET", "/api/v1/verify")["intact"]  # asked again at once: the last run, not a new one
    web.app.state.verify_every = 0  # … until the interval has passed
    damaged = ana.ok("GET", "/api/v1/verify")
    assert not damaged["intact"]
    assert damaged["summary"].startswith("Not intact:")
    assert {"subject": joined["id"], "message": "sig is not a valid signature by the author"} in damaged["problems"]
    shown = ana.ok("GET", f"/api/v1/events/{joined['id']}")
    assert not shown["signature_holds"] and shown["event"]["sig"] == forged
    assert "does not check" in ana.get(f"/events/{joined['id']}").text


def test_health_answers_without_login_and_the_log_does_not(web: Web) -> None:
    web.person("ana")
    anonymous = web.client()
    health = anonymous.get("/api/v1/health")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "events": web.events()}
    for url in ("/api/v1/events", "/api/v1/verify", f"/api/v1/events/{'0' * 64}"):
        assert anonymous.get(url).status_code == 401, url
    assert anonymous.get("/events", follow_redirects=False).headers["location"] == "/login?next=%2Fevents"


def test_the_routes_are_described_with_their_errors(web: Web) -> None:
    described = web.client().get("/api/v1/openapi.json").json()["paths"]
    posting = described["/api/v1/events"]["post"]
    assert {"200", "201", "403", "422"} <= posting["responses"].keys()
    assert "sig" in posting["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert {"401", "403", "404", "422"} <= described["/api/v1/events/{event}"]["get"]["responses"].keys()
