"""Contributions through the JSON API, on both stores: logging by duration, the validation
queue, approving, red-flagging and retracting, who may read and write, malformed input, paging
and filters, and a member's summary with the payouts they received."""

from __future__ import annotations

import datetime
from typing import Any

from api.conftest import Person, Web

from multitude.ledger import Keypair
from multitude.node import Node

EQUATION = """
name = "Camp"
[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = "hours"
"""


class Camp:
    """A camp founded by Dee (who signs on the node directly, as a custodian's own tool would),
    joined by Ana and Bo through the web; Cai has an account but is not a member."""

    def __init__(self, web: Web, validation: str = "peers") -> None:
        self.web = web
        self.dee = web.node.speaking_as(Keypair.generate())
        self.dee.publish_profile("person", "Dee")
        self.network = self.dee.create_network(
            "Camp", "A summer camp", roles=["cook"], currencies={"EUR": 2},
            validation={"policy": "peers", "approvals": 1} if validation == "peers" else None)
        self.ana, self.bo, self.cai = web.person("ana"), web.person("bo"), web.person("cai")
        for member in (self.ana, self.bo):
            member.ok("POST", f"/api/v1/networks/{self.network}/join", json={})

    @property
    def api(self) -> str:
        return f"/api/v1/networks/{self.network}"

    def log(self, person: Person, **body: Any) -> str:
        receipt = person.ok("POST", f"{self.api}/contributions", json={"action": "work", **body})
        return str(receipt["event"])

    def listed(self, person: Person, query: str = "") -> list[dict[str, Any]]:
        return list(person.ok("GET", f"{self.api}/contributions?limit=200{query}")["items"])


def day_ago(days_ago: int) -> str:
    return (datetime.datetime.now(datetime.UTC).date() - datetime.timedelta(days=days_ago)).isoformat()


def test_work_is_logged_by_duration_and_shown_with_its_note(web: Web) -> None:
    camp = Camp(web)
    created = camp.bo.post(f"{camp.api}/contributions", json={
        "action": "work", "hours": "1h30m", "note": "fixed the pump", "skill": "plumbing", "tags": ["water"],
        "evidence": ["https://example.org/pump.jpg"]})
    assert created.status_code == 201, created.text
    assert created.json()["type"] == "contribution.logged" and created.json()["status"] == "applied"
    camp.log(camp.bo, hours="1", note="washed up")  # the body the load benchmark sends
    camp.log(camp.bo, hours="90m")
    pump = next(item for item in camp.listed(camp.ana) if item["note"] == "fixed the pump")
    assert pump["contribution"] == created.json()["event"]
    assert (pump["hours"], pump["summary"], pump["skill"], pump["tags"]) == ("1.5", "1.5h work", "plumbing", ["water"])
    assert (pump["contributor"], pump["contributor_name"], pump["status"]) == (camp.bo.agent, "Bo", "pending")
    assert pump["evidence"] == ["https://example.org/pump.jpg"]
    assert sorted(item["hours"] for item in camp.listed(camp.ana)) == ["1", "1.5", "1.5"]
    assert pump["day"] == day_ago(0)


def test_the_queue_shows_a_peers_contribution_to_the_other_member_not_to_its_author(web: Web) -> None:
    camp = Camp(web)
    mine = camp.log(camp.bo, hours="2h", note="cooked")
    ana_queue = camp.ana.ok("GET", f"{camp.api}/queue")
    assert [item["contribution"] for item in ana_queue["items"]] == [mine]
    assert ana_queue["items"][0]["summary"] == "2h work" and ana_queue["total"] == 1
    assert camp.bo.ok("GET", f"{camp.api}/queue")["items"] == []

    approved = camp.ana.ok("POST", f"{camp.api}/contributions/{mine}/validate", json={"note": "tasty"})
    assert approved["type"] == "contribution.validated"
    assert camp.ana.ok("GET", f"{camp.api}/queue")["items"] == []
    detail = camp.bo.ok("GET", f"{camp.api}/contributions/{mine[:10]}")
    assert (detail["status"], detail["approvals"]) == ("validated", 1)
    verdicts = [(v["validator_name"], v["verdict"], v["reason"]) for v in detail["verdicts"]]
    assert verdicts == [("Ana", "approved", "tasty")]


def test_one_cannot_approve_ones_own_contribution(web: Web) -> None:
    camp = Camp(web)
    mine = camp.log(camp.bo, hours="1")
    before = web.events()
    refused = camp.bo.post(f"{camp.api}/contributions/{mine}/validate", json={})
    assert refused.status_code == 403
    assert "own contribution" in refused.json()["error"]["message"]
    assert web.events() == before


def test_a_red_flag_needs_a_reason_and_stops_the_contribution_counting(web: Web) -> None:
    camp = Camp(web)
    mine = camp.log(camp.bo, hours="8h", note="slept")
    before = web.events()
    for body in ({}, {"reason": ""}):
        missing = camp.ana.post(f"{camp.api}/contributions/{mine}/flag", json=body)
        assert missing.status_code == 422, missing.text
        assert missing.json()["error"]["field"] == "reason"
    assert web.events() == before

    camp.ana.ok("POST", f"{camp.api}/contributions/{mine}/flag", json={"reason": "a nap is not work"})
    detail = camp.ana.ok("GET", f"{camp.api}/contributions/{mine}")
    assert (detail["status"], detail["flags"]) == ("flagged", 1)
    assert [(v["validator_name"], v["verdict"], v["reason"]) for v in detail["verdicts"]] == [
        ("Ana", "flagged", "a nap is not work")]
    assert camp.ana.ok("GET", f"{camp.api}/queue")["items"] == []


def test_only_the_author_retracts_and_says_why(web: Web) -> None:
    camp = Camp(web)
    mine = camp.log(camp.bo, hours="1")
    assert camp.bo.post(f"{camp.api}/contributions/{mine}/retract", json={}).json()["error"]["field"] == "reason"
    assert camp.ana.post(f"{camp.api}/contributions/{mine}/retract", json={"reason": "no"}).status_code == 403
    camp.bo.ok("POST", f"{camp.api}/contributions/{mine}/retract", json={"reason": "logged twice"})
    assert camp.ana.ok("GET", f"{camp.api}/contributions/{mine}")["status"] == "retracted"


def test_a_non_member_can_neither_log_nor_read(web: Web) -> None:
    camp = Camp(web)
    mine = camp.log(camp.bo, hours="1")
    before = web.events()
    refused = camp.cai.post(f"{camp.api}/contributions", json={"action": "work", "hours": "1"})
    assert refused.status_code == 403
    assert "member" in refused.json()["error"]["message"]
    assert camp.cai.post(f"{camp.api}/contributions/{mine}/validate", json={}).status_code == 403
    for url in ("/contributions", f"/contributions/{mine}", "/queue", f"/members/{camp.bo.agent}/summary"):
        answer = camp.cai.get(f"{camp.api}{url}")
        assert answer.status_code == 403, url
        assert "only members of Camp" in answer.json()["error"]["message"]
    assert web.events() == before
    assert web.client().get(f"{camp.api}/contributions").status_code == 401


def test_malformed_contributions_name_the_field_and_store_nothing(web: Web) -> None:
    camp = Camp(web)
    before = web.events()
    cases = [
        ({"action": "dance", "hours": "1"}, "action"),
        ({"action": "work", "hours": "-2"}, "hours"),
        ({"action": "work", "hours": "two hours"}, "hours"),
        ({"action": "work", "hours": "1", "happened": "2024-02-30"}, "happened"),
        ({"action": "work", "hours": "1", "happened": "yesterday"}, "happened"),
        ({"action": "work", "hours": "1", "tags": ["Not A Tag"]}, "tags.0"),
        ({"action": "transfer", "amount": "-5", "currency": "EUR"}, "amount"),
        ({"hours": "1"}, "action"),
    ]
    for body, field in cases:
        answer = camp.bo.post(f"{camp.api}/contributions", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["field"] == field, body
    # What only the action's rules can judge is refused as a whole, still naming what is wrong.
    unfit = camp.bo.post(f"{camp.api}/contributions", json={"action": "work"})
    assert unfit.status_code == 422 and "needs hours" in unfit.json()["error"]["message"]
    assert web.events() == before
    assert camp.listed(camp.ana) == []
    assert camp.ana.get(f"{camp.api}/contributions?since=last-week").json()["error"]["field"] == "since"
    assert camp.ana.get(f"{camp.api}/contributions?status=lost").json()["error"]["field"] == "status"
    assert camp.ana.get(f"{camp.api}/contributions?limit=0").json()["error"]["field"] == "limit"


def test_pages_and_filters_keep_a_stable_order(web: Web) -> None:
    camp = Camp(web)
    for days_ago, person, hours in [(3, camp.ana, "1"), (1, camp.bo, "2"), (3, camp.bo, "3"), (0, camp.ana, "4"),
                                    (2, camp.bo, "5"), (1, camp.ana, "6")]:
        camp.log(person, hours=hours, happened=day_ago(days_ago), tags=["early"] if days_ago >= 2 else [])
    cited = camp.log(camp.ana, action="deliverService", hours="1", happened=day_ago(2))
    everything = camp.listed(camp.ana)
    assert [(item["day"], item["contribution"]) for item in everything] == sorted(
        (item["day"], item["contribution"]) for item in everything)
    assert len(everything) == 7

    pages, offset = [], 0
    while offset is not None:
        page = camp.ana.ok("GET", f"{camp.api}/contributions?limit=3&offset={offset}")
        assert page["total"] == 7 and len(page["items"]) <= 3
        pages.extend(page["items"])
        offset = page["next_offset"]
    assert pages == everything

    by_bo = camp.listed(camp.ana, "&contributor=Bo")
    assert [item["hours"] for item in by_bo] == ["3", "5", "2"]
    assert camp.listed(camp.ana, f"&contributor={camp.bo.agent}") == by_bo
    assert [item["contribution"] for item in camp.listed(camp.ana, "&action=deliverService")] == [cited]
    window = camp.listed(camp.ana, f"&since={day_ago(2)}&until={day_ago(1)}")
    assert sorted(item["hours"] for item in window) == ["1", "2", "5", "6"]
    assert all(day_ago(2) <= item["day"] <= day_ago(1) for item in window)
    camp.bo.ok("POST", f"{camp.api}/contributions/{cited}/validate", json={})
    assert [item["contribution"] for item in camp.listed(camp.ana, "&status=validated")] == [cited]
    assert len(camp.listed(camp.ana, "&status=pending")) == 6
    unknown = camp.ana.get(f"{camp.api}/contributions?contributor=Nobody")
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "contributor"


def test_a_members_summary_adds_up_their_contributions_and_payouts(web: Web) -> None:
    camp = Camp(web, validation="none")
    camp.dee.grant_role(camp.network, camp.ana.agent, "cook")
    camp.log(camp.ana, hours="2h", rate="10", happened=day_ago(2))
    camp.log(camp.ana, hours="1h", happened=day_ago(1), note="peeled")
    wrong = camp.log(camp.ana, hours="5h")
    camp.ana.ok("POST", f"{camp.api}/contributions/{wrong}/retract", json={"reason": "not here"})
    camp.log(camp.bo, hours="1h")
    dee: Node = camp.dee
    dee.adopt_equation(camp.network, EQUATION)
    dee.distribute_new_income(camp.network, "100", "EUR", "sales")

    summary = camp.bo.ok("GET", f"{camp.api}/members/Ana/summary")
    assert (summary["name"], summary["member"], summary["status"]) == ("Ana", camp.ana.agent, "member")
    assert summary["roles"] == ["cook"]
    assert summary["by_action"] == [{"action": "work", "contributions": 2, "hours": "3", "value": "20"}]
    months: dict[str, tuple[int, int]] = {}
    for day, hours in ((day_ago(2), 2), (day_ago(1), 1)):
        count, total = months.get(day[:7], (0, 0))
        months[day[:7]] = (count + 1, total + hours)
    assert summary["by_month"] == [{"period": month, "action": "work", "contributions": count, "hours": str(total)}
                                   for month, (count, total) in sorted(months.items())]
    assert [(p["amount"], p["currency"], p["day"]) for p in summary["payouts"]] == [("75", "EUR", day_ago(0))]
    assert summary["received"] == [{"currency": "EUR", "amount": "75"}]
    assert [(c["hours"], c["status"], c["note"]) for c in summary["latest"]] == [
        ("5", "retracted", ""), ("1", "validated", "peeled"), ("2", "validated", "")]
    bo = camp.ana.ok("GET", f"{camp.api}/members/{camp.bo.agent}/summary")
    assert bo["received"] == [{"currency": "EUR", "amount": "25"}] and bo["roles"] == []
    assert camp.ana.get(f"{camp.api}/members/Cai/summary").status_code == 404


def test_contributions_logged_at_the_same_moment_are_written_together_each_with_its_answer(web: Web) -> None:
    import asyncio

    import httpx

    ana = web.person("ana")
    network = ana.ok("POST", "/api/v1/networks", json={"name": "Kitchen"})["network"]
    members = [web.person(f"cook{i}") for i in range(6)]
    for member in members:
        member.ok("POST", f"/api/v1/networks/{network}/join", json={})
    outsider = web.person("zed")
    tokens = {person.name: person.ok("POST", "/api/v1/tokens", json={"label": "t"})["token"]
              for person in [*members, outsider]}
    before = web.events()
    batches: list[int] = []
    act_many = web.node.act_many

    def counted(commands: Any) -> Any:
        batches.append(len(commands))
        return act_many(commands)

    web.node.act_many = counted  # type: ignore[method-assign]

    async def at_once() -> dict[str, int]:
        transport = httpx.ASGITransport(app=web.app)
        async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
            answers = await asyncio.gather(*(
                client.post(f"/api/v1/networks/{network}/contributions",
                            json={"action": "work", "hours": hours, "note": f"shift {n}"},
                            headers={"authorization": f"Bearer {tokens[name]}"})
                for n, (name, hours) in enumerate([(m.name, "1") for m in members] + [("zed", "1"),
                                                                                         (members[0].name, "2")])))
        return {f"{n}": answer.status_code for n, answer in enumerate(answers)}

    codes = asyncio.run(at_once())
    assert list(codes.values()) == [201] * 6 + [403, 201]  # the outsider refused; one key twice, both kept
    assert web.events() == before + 7
    assert max(batches) > 1 and sum(batches) == 8  # together, in fewer transactions than requests
    logged = ana.ok("GET", f"/api/v1/networks/{network}/contributions", params={"limit": 50})["items"]
    assert sorted(item["note"] for item in logged) == sorted([f"shift {n}" for n in range(6)] + ["shift 7"])
    assert web.node.equivocators() == []
