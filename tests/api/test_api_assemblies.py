"""Assemblies through the JSON API, on both stores: a proposal opened, voted on, closed with its
outcome and its actions in effect; ballots of every method; who may read, vote, amend, withdraw
and close; a hidden tally that stays hidden; delegations and the routes of delegated weight;
budgets and the spending they record; malformed input named and never stored."""

from __future__ import annotations

from typing import Any

import httpx
from api.conftest import Person, Web
from api.test_api_money import signing

from multitude.ledger.event import time_after


class Lab:
    """Ana founds the Lab (a custodian: with no facilitator, she closes proposals); Bo and Cy
    join; Zed has an account and belongs to nothing. `assembly` is the charter's assembly section."""

    def __init__(self, web: Web, assembly: dict[str, Any] | None = None, roles: tuple[str, ...] = ()) -> None:
        self.web = web
        self.ana, self.bo, self.cy, self.zed = (web.person(name) for name in ("ana", "bo", "cy", "zed"))
        charter: dict[str, Any] = {"membership": "open", "roles": list(roles),
                                   "currencies": [{"code": "EUR", "decimals": 2}]}
        if assembly is not None:
            charter["assembly"] = assembly
        self.network = signing(web, self.ana).act("network.created", {"v": 1, "name": "Lab", "charter": charter}).event
        for member in (self.bo, self.cy):
            member.ok("POST", f"{self.api}/join", json={})

    @property
    def api(self) -> str:
        return f"/api/v1/networks/{self.network}"

    def propose(self, person: Person | None = None, **body: Any) -> str:
        sent = {"title": "Paint the door green", "method": "consent", "closes": "+5m", **body}
        return str((person or self.ana).ok("POST", f"{self.api}/proposals", json=sent)["proposal"])

    def vote(self, person: Person, proposal: str, **ballot: Any) -> httpx.Response:
        return person.post(f"/api/v1/proposals/{proposal}/votes", json=ballot)

    def get(self, proposal: str, person: Person | None = None) -> dict[str, Any]:
        return dict((person or self.ana).ok("GET", f"/api/v1/proposals/{proposal}"))

    def time_passes(self, proposal: str) -> None:
        """The node's clock moves past the proposal's close: a comment arrives from a node whose
        clock runs a few minutes ahead, and this node signs after what it has seen."""
        closes = self.get(proposal)["closes"]
        signing(self.web, self.cy).act("proposal.commented", {"v": 1, "proposal": proposal, "text": "time's up"},
                                       self.network, time=time_after(closes))


def refused(response: httpx.Response, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["error"]["message"], response.json()


def figures(tally: dict[str, Any]) -> dict[str, str]:
    return {figure["label"]: figure["value"] for figure in tally["figures"]}


def test_a_proposal_with_an_action_is_voted_on_closed_and_takes_effect(web: Web) -> None:
    lab = Lab(web)
    created = lab.bo.post(f"{lab.api}/proposals", json={
        "title": "Cy facilitates", "text": "Cy runs our meetings.", "method": "majority", "closes": "+5m",
        "actions": [{"kind": "grant_role", "member": "Cy", "role": "facilitator"}]})
    assert created.status_code == 201, created.text
    proposal = created.json()["proposal"]
    assert created.json()["event"] == proposal and created.json()["status"] == "applied"

    for person, position in ((lab.ana, "for"), (lab.bo, "for"), (lab.cy, "against")):
        assert lab.vote(person, proposal, position=position).status_code == 201
    lab.cy.ok("POST", f"/api/v1/proposals/{proposal}/comments", json={"text": "I would rather not."})
    detail = lab.get(proposal, lab.cy)
    assert (detail["title"], detail["text"], detail["method"], detail["status"]) == (
        "Cy facilitates", "Cy runs our meetings.", "majority", "open")
    assert detail["author_name"] == "Bo" and detail["network_name"] == "Lab"
    assert detail["rule"] == "majority (more than 1/2 of the members)"  # the charter's default rule
    assert [action["words"] for action in detail["actions"]] == ["grant the facilitator role to Cy"]
    assert detail["ballot"]["reads"] == "position" and detail["ballot"]["positions"] == ["for", "against", "abstain"]
    assert figures(detail["tally"]) == {"for": "2", "against": "1", "abstain": "0"}
    assert detail["tally"]["passed"] is True and detail["tally"]["statement"].startswith("Passes")
    assert detail["tally"]["participation"] == {"members": 3, "weight": "3", "eligible_members": 3,
                                                "eligible_weight": "3"}
    assert detail["my_vote"]["ballot"] == {"position": "against"} and detail["votes"] == 3
    assert [c["text"] for c in detail["comments"]] == ["I would rather not."]
    assert [c["author_name"] for c in detail["comments"]] == ["Cy"]
    assert [p["name"] for p in detail["closers"]] == ["Ana"]  # no facilitator yet: the custodian closes
    assert not detail["may_close"] and detail["may_vote"] and detail["outcome"] is None

    early = lab.ana.post(f"/api/v1/proposals/{proposal}/close", json={})
    refused(early, 403, "the proposal closes at")
    lab.time_passes(proposal)
    assert lab.get(proposal)["may_close"] and not lab.get(proposal, lab.bo)["may_close"]
    refused(lab.bo.post(f"/api/v1/proposals/{proposal}/close", json={}), 403, "only a facilitator may close")
    closed = lab.ana.post(f"/api/v1/proposals/{proposal}/close", json={"note": "thanks all"})
    assert closed.status_code == 200 and closed.json()["status"] == "applied", closed.text

    after = lab.get(proposal)
    assert after["status"] == "closed" and after["passed"] is True
    assert after["outcome"]["statement"] == after["statement"] and after["statement"].startswith("Passes: for 2")
    assert after["outcome"]["effects"] == [{"kind": "grant_role", "effect": "granted"}]
    assert after["outcome"]["closed"] and after["outcome"]["closed_at"] > after["closes"]
    assert after["outcome"]["note"] == "thanks all" and after["outcome"]["closed_by"]["name"] == "Ana"
    assert figures(after["tally"]) == {"for": "2", "against": "1", "abstain": "0"} and after["tally_note"] == ""
    cy = next(m for m in lab.ana.ok("GET", lab.api)["members"] if m["name"] == "Cy")
    assert "facilitator" in cy["roles"]

    before = web.events()
    refused(lab.vote(lab.bo, proposal, position="against"), 403, "the proposal is closed")
    refused(lab.ana.post(f"/api/v1/proposals/{proposal}/close", json={}), 403, "the proposal is closed")
    assert web.events() == before
    assert lab.get(proposal)["my_vote"]["ballot"] == {"position": "for"}


def test_someone_outside_the_network_sees_and_does_nothing(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose()
    before = web.events()
    for method, url, body in [
        ("GET", f"{lab.api}/proposals", None), ("POST", f"{lab.api}/proposals",
                                                 {"title": "Mine", "method": "consent", "closes": "+1d"}),
        ("GET", f"/api/v1/proposals/{proposal}", None), ("GET", f"/api/v1/proposals/{proposal}/votes", None),
        ("POST", f"/api/v1/proposals/{proposal}/votes", {"position": "object", "reason": "no"}),
        ("POST", f"/api/v1/proposals/{proposal}/comments", {"text": "hello"}),
        ("POST", f"/api/v1/proposals/{proposal}/close", {}),
        ("GET", f"{lab.api}/delegations", None), ("PUT", f"{lab.api}/delegations", {"delegate": "Ana"}),
        ("GET", f"{lab.api}/spendings", None),
    ]:
        answer = lab.zed.client.request(method, url, json=body)
        refused(answer, 403, "only members of Lab can see its")
    assert web.events() == before
    missing = lab.ana.get("/api/v1/proposals/" + "0" * 64)
    assert missing.status_code == 404 and "no proposal" in missing.json()["error"]["message"]


def test_a_ballot_that_does_not_fit_is_refused_with_the_reason_and_not_stored(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose()
    before = web.events()
    refused(lab.vote(lab.bo, proposal, position="maybe"), 403, "'maybe' is not a position of consent")
    refused(lab.vote(lab.bo, proposal, position="object"), 403, "to object needs a reason")
    refused(lab.vote(lab.bo, proposal, approve=["green"]), 403, "a consent vote gives its position")
    refused(lab.vote(lab.bo, proposal, position="consent", ranking=["a"]), 403, "a consent vote has no ranking")
    refused(lab.vote(lab.bo, proposal, position="consent", votes=2), 403, "does not vote with quadratic credits")
    malformed = lab.vote(lab.bo, proposal, scores="high")
    assert malformed.status_code == 422 and malformed.json()["error"]["field"] == "scores"
    assert web.events() == before
    assert lab.get(proposal, lab.bo)["my_vote"] is None and lab.get(proposal)["votes"] == 0
    assert lab.vote(lab.bo, proposal, position="object", reason="green clashes").status_code == 201
    assert lab.get(proposal, lab.bo)["my_vote"]["reason"] == "green clashes"


def test_a_malformed_proposal_names_what_is_wrong_and_stores_nothing(web: Web) -> None:
    lab = Lab(web)
    before = web.events()
    cases = [
        ({"closes": "tomorrow"}, "closes", "neither a time"),
        ({"closes": "9999-12-31T23:59:59-14:00"}, "closes", "out of range"),
        ({"method": "approval", "options": ["red"]}, None, "needs at least two options"),
        ({"options": ["red", "green"]}, None, "a consent proposal has no options"),
        ({"topic": "Big Topic"}, "topic", "pattern"),
        ({"method": "majority", "actions": [{"kind": "grant_role", "member": "nobody", "role": "facilitator"}]},
         "actions.0.member", "no agent 'nobody'"),
        ({"method": "majority", "actions": [{"kind": "grant_role", "member": "Bo"}]}, "actions.0",
         "a grant_role action needs role"),
        ({"method": "budget", "projects": [{"id": "roof", "title": "Roof", "cost": "100"}], "budget": "50"}, None,
         "a budget needs projects, a budget and a currency"),
    ]
    for change, field, words in cases:
        answer = lab.ana.post(f"{lab.api}/proposals", json={"title": "T", "method": "consent", "closes": "+1d",
                                                             **change})
        assert answer.status_code == 422, (change, answer.text)
        error = answer.json()["error"]
        assert words in error["message"] and error.get("field") == field, (change, error)
    refused(lab.ana.post(f"{lab.api}/proposals", json={"title": "T", "method": "consent", "closes": "2020-01-01"}),
            403, "is not after the opening")
    refused(lab.ana.post(f"{lab.api}/proposals", json={"title": "T", "method": "budget", "closes": "+1d",
                                                       "projects": [{"id": "roof", "title": "Roof", "cost": "100"}],
                                                       "budget": "50", "currency": "USD"}),
            403, "does not use the currency USD")
    assert web.events() == before
    assert lab.ana.ok("GET", f"{lab.api}/proposals")["total"] == 0


def test_a_hidden_tally_stays_hidden_until_the_close(web: Web) -> None:
    lab = Lab(web, {"tally": "hidden"})
    proposal = lab.propose(method="majority")
    lab.bo.ok("PUT", f"{lab.api}/delegations", json={"delegate": "Ana"})
    against = lab.vote(lab.ana, proposal, position="against").json()["event"]
    assert lab.vote(lab.cy, proposal, position="for").status_code == 201

    detail = lab.get(proposal, lab.cy)
    assert detail["tally"] is None and detail["tally_hidden"] is True
    assert detail["tally_note"] == "The charter keeps the tally hidden until the proposal closes."
    assert detail["votes"] is None and detail["routes"] == [] and detail["tally_mode"] == "hidden"
    assert detail["my_vote"]["ballot"] == {"position": "for"}  # one's own vote is one's own
    votes = lab.cy.ok("GET", f"/api/v1/proposals/{proposal}/votes")
    assert votes["hidden"] is True and [v["voter_name"] for v in votes["items"]] == ["Cy"] and votes["total"] == 1
    assert lab.bo.ok("GET", f"/api/v1/proposals/{proposal}/votes")["items"] == []
    listed = lab.cy.ok("GET", f"{lab.api}/proposals")["items"]
    assert listed[0]["votes"] is None
    for url in (f"/api/v1/proposals/{proposal}", f"/api/v1/proposals/{proposal}/votes", f"{lab.api}/proposals"):
        assert against not in lab.cy.get(url).text  # Ana's vote shows nowhere

    lab.time_passes(proposal)
    lab.ana.ok("POST", f"/api/v1/proposals/{proposal}/close", json={})
    after = lab.get(proposal, lab.cy)
    assert after["tally_hidden"] is False and figures(after["tally"]) == {"for": "1", "against": "2", "abstain": "0"}
    assert [v["voter_name"] for v in lab.cy.ok("GET", f"/api/v1/proposals/{proposal}/votes")["items"]] == ["Ana", "Cy"]


def test_only_the_author_amends_or_withdraws_and_every_version_is_kept(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose(lab.bo, text="Green, two coats.")
    before = web.events()
    refused(lab.ana.post(f"/api/v1/proposals/{proposal}/amendments", json={"title": "Paint it red"}), 403,
            "only the author may amend")
    refused(lab.ana.post(f"/api/v1/proposals/{proposal}/withdrawal", json={}), 403, "only the author may withdraw")
    blank = lab.bo.post(f"/api/v1/proposals/{proposal}/amendments", json={"title": ""})
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "title"
    assert web.events() == before

    lab.bo.ok("POST", f"/api/v1/proposals/{proposal}/amendments",
              json={"title": "Paint the door dark green", "text": "Dark green, two coats.", "note": "darker"})
    detail = lab.get(proposal)
    assert (detail["title"], detail["text"], detail["version"]) == ("Paint the door dark green",
                                                                   "Dark green, two coats.", 2)
    assert [(v["version"], v["title"], v["note"]) for v in detail["versions"]] == [
        (1, "Paint the door green", ""), (2, "Paint the door dark green", "darker")]
    assert lab.get(proposal, lab.bo)["may_amend"] and not detail["may_amend"]

    lab.bo.ok("POST", f"/api/v1/proposals/{proposal}/withdrawal", json={"reason": "the landlord said no"})
    gone = lab.get(proposal)
    assert gone["status"] == "withdrawn" and gone["statement"] == "Withdrawn. the landlord said no"
    assert gone["tally"] is None and gone["tally_note"] == "Withdrawn: nothing is counted."
    assert gone["outcome"]["status"] == "withdrawn"
    refused(lab.vote(lab.cy, proposal, position="consent"), 403, "the proposal is withdrawn")


def test_delegated_weight_follows_its_route_and_delegations_are_listed(web: Web) -> None:
    lab = Lab(web)
    lab.bo.ok("PUT", f"{lab.api}/delegations", json={"delegate": "Cy"})
    lab.cy.ok("PUT", f"{lab.api}/delegations", json={"delegate": "Ana", "topic": "paint"})
    refused(lab.ana.put(f"{lab.api}/delegations", json={"delegate": "Ana"}), 403, "cannot delegate to themselves")
    bad = lab.ana.put(f"{lab.api}/delegations", json={"delegate": "Bo", "topic": "Paint!"})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "topic"
    listed = lab.ana.ok("GET", f"{lab.api}/delegations")
    assert [(d["member_name"], d["topic"], d["delegate_name"]) for d in listed["items"]] == [
        ("Bo", "", "Cy"), ("Cy", "paint", "Ana")]

    proposal = lab.propose(method="majority", topic="paint")
    assert lab.vote(lab.ana, proposal, position="for").status_code == 201
    detail = lab.get(proposal, lab.cy)
    routes = {r["member_name"]: (r["path"], r["voter_name"], r["stop"]) for r in detail["routes"]}
    assert routes == {"Bo": (["Bo", "Cy", "Ana"], "Ana", None), "Cy": (["Cy", "Ana"], "Ana", None)}
    assert figures(detail["tally"])["for"] == "3"
    assert detail["my_delegate"]["name"] == "Ana" and [p["name"] for p in detail["delegated_to_me"]] == ["Bo"]
    ana_vote = lab.ana.ok("GET", f"/api/v1/proposals/{proposal}/votes")["items"][0]
    assert (ana_vote["voter_name"], ana_vote["weight"]) == ("Ana", "3")

    lab.cy.ok("DELETE", f"{lab.api}/delegations?topic=paint")
    assert [d["member_name"] for d in lab.ana.ok("GET", f"{lab.api}/delegations")["items"]] == ["Bo"]
    before = web.events()
    refused(lab.cy.delete(f"{lab.api}/delegations"), 403, "no delegation in general to revoke")
    assert web.events() == before
    routes = {r["member_name"]: (r["path"], r["stop"]) for r in lab.get(proposal)["routes"]}
    assert routes == {"Bo": (["Bo", "Cy"], "no vote")}


def test_every_choice_method_takes_its_ballot(web: Web) -> None:
    lab = Lab(web)
    options = ["tea", "coffee", "mate"]
    cases: list[tuple[dict[str, Any], dict[str, Any], dict[str, str]]] = [
        ({"method": "approval", "options": options}, {"approve": ["tea", "mate"]},
         {"tea": "1", "coffee": "0", "mate": "1"}),
        ({"method": "score", "options": options}, {"scores": {"tea": 5, "coffee": 2, "mate": 0}},
         {"tea": "5", "coffee": "2", "mate": "0"}),
        ({"method": "dots", "options": options, "dots": 3}, {"dots": {"coffee": 3}},
         {"tea": "0", "coffee": "3", "mate": "0"}),
        ({"method": "borda", "options": options}, {"ranking": ["mate", "tea"]}, {}),
        ({"method": "schulze", "options": options}, {"ranking": ["coffee", "mate", "tea"]}, {}),
        ({"method": "instant_runoff", "options": options}, {"ranking": ["tea"]}, {"tea": "1"}),
        ({"method": "meeting_time", "options": ["Mon 18:00", "Tue 18:00"]},
         {"answers": {"Mon 18:00": "if need be", "Tue 18:00": "yes"}}, {"Mon 18:00": "1", "Tue 18:00": "1"}),
        ({"method": "advice", "text": "Shall we?"}, {"position": "concern", "reason": "cost"},
         {"support": "0", "unsure": "0", "concern": "1", "abstain": "0"}),
        ({"method": "consensus"}, {"position": "stand aside"}, {"stand aside": "1", "agree": "0"}),
        ({"method": "modified_consensus"}, {"position": "block", "reason": "unsafe"}, {"block": "1"}),
    ]
    for setup, ballot, expected in cases:
        proposal = lab.propose(**setup)
        answer = lab.vote(lab.bo, proposal, **ballot)
        assert answer.status_code == 201, (setup, answer.text)
        detail = lab.get(proposal, lab.bo)
        assert detail["my_vote"]["ballot"] == {key: value for key, value in ballot.items() if key != "reason"}
        shown = figures(detail["tally"])
        assert all(shown[label] == value for label, value in expected.items()), (setup, shown)
        assert detail["ballot"]["options"] == setup.get("options", [])
    dots = lab.propose(method="dots", options=options, dots=2)
    refused(lab.vote(lab.bo, dots, dots={"tea": 3}), 403, "3 dots placed, 2 allowed")
    score = lab.propose(method="score", options=options)
    refused(lab.vote(lab.bo, score, scores={"tea": 6}), 403, "is not a whole number 0 to 5")
    assert lab.get(score)["ballot"]["highest_score"] == 5


def test_a_budget_round_records_what_it_funds(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose(method="budget", title="Spring budget", budget="300", currency="EUR", projects=[
        {"id": "roof", "title": "Fix the roof", "cost": "250"}, {"id": "bikes", "title": "Bike rack", "cost": "80"},
        {"id": "seeds", "title": "Seeds", "cost": "40"}])
    assert lab.get(proposal)["ballot"] == {
        "reads": "approve", "positions": [], "needs_reason": [], "options": ["roof", "bikes", "seeds"],
        "highest_score": None, "dots": None, "quadratic_credits": None, "max_votes": None}
    refused(lab.vote(lab.bo, proposal, approve=["pool"]), 403, "'pool' is not a project of this budget")
    for person, chosen in ((lab.ana, ["roof", "seeds"]), (lab.bo, ["roof"]), (lab.cy, ["bikes", "seeds"])):
        assert lab.vote(person, proposal, approve=chosen).status_code == 201
    lab.time_passes(proposal)
    lab.ana.ok("POST", f"/api/v1/proposals/{proposal}/close", json={})
    detail = lab.get(proposal)
    assert detail["result"] == ["seeds", "roof"] and detail["passed"] is True  # equal support: the cheaper first
    assert [e["effect"] for e in detail["outcome"]["effects"]] == ["recorded", "recorded"]
    spent = lab.bo.ok("GET", f"{lab.api}/spendings")
    assert [(s["amount"], s["currency"], s["purpose"], s["proposal_title"]) for s in spent["items"]] == [
        ("40", "EUR", "Seeds", "Spring budget"), ("250", "EUR", "Fix the roof", "Spring budget")]
    assert "Funded: seeds (40 EUR), roof (250 EUR); 290 of 300 EUR spent, 10 left." in detail["statement"]


def test_quadratic_votes_cost_their_square_in_credits(web: Web) -> None:
    lab = Lab(web, {"weights": "quadratic", "credits": 16})
    proposal = lab.propose(method="majority")
    shape = lab.get(proposal)["ballot"]
    assert (shape["quadratic_credits"], shape["max_votes"]) == (16, 4)
    refused(lab.vote(lab.bo, proposal, position="for", votes=5), 403, "5 votes cost 25 credits, 16 available")
    assert lab.vote(lab.bo, proposal, position="for", votes=3).status_code == 201
    assert lab.vote(lab.cy, proposal, position="against", votes=2).status_code == 201
    assert figures(lab.get(proposal)["tally"]) == {"for": "3", "against": "2", "abstain": "0"}


def test_the_list_puts_open_proposals_first_and_pages(web: Web) -> None:
    lab = Lab(web)
    late = lab.propose(title="Later", closes="+2d")
    soon = lab.propose(title="Sooner", closes="+1d")
    gone = lab.propose(lab.bo, title="Gone")
    lab.bo.ok("POST", f"/api/v1/proposals/{gone}/withdrawal", json={})
    listed = lab.cy.ok("GET", f"{lab.api}/proposals")
    assert [p["proposal"] for p in listed["items"]] == [soon, late, gone] and listed["total"] == 3
    assert [p["status"] for p in listed["items"]] == ["open", "open", "withdrawn"]
    page = lab.cy.ok("GET", f"{lab.api}/proposals?limit=1&offset=1")
    assert [p["title"] for p in page["items"]] == ["Later"] and page["next_offset"] == 2
    assert [p["title"] for p in lab.cy.ok("GET", f"{lab.api}/proposals?status=withdrawn")["items"]] == ["Gone"]
    assert lab.cy.get(f"{lab.api}/proposals?status=maybe").status_code == 422
    assert lab.get(soon[:8])["proposal"] == soon  # an id prefix names it


def test_my_attention_lists_the_proposals_awaiting_my_vote_and_those_i_may_close(web: Web) -> None:
    lab = Lab(web)
    lab.bo.ok("PUT", f"{lab.api}/delegations", json={"delegate": "Cy", "topic": "paint"})
    later = lab.propose(title="Later", closes="+3d")
    soon = lab.propose(title="Soon", method="majority", topic="paint")

    def awaited(person: Any, which: str) -> list[tuple[str, str | None]]:
        return [(p["title"], p["delegate_name"]) for p in person.ok("GET", "/api/v1/me")["attention"][which]]

    assert awaited(lab.bo, "to_vote") == [("Soon", "Cy"), ("Later", None)]  # the soonest deadline first
    assert lab.vote(lab.bo, soon, position="for").status_code == 201
    assert awaited(lab.bo, "to_vote") == [("Later", None)]  # voted: no longer waiting for Bo
    assert awaited(lab.zed, "to_vote") == [] and awaited(lab.ana, "to_close") == []
    lab.time_passes(soon)
    assert awaited(lab.ana, "to_close") == [("Soon", None)]  # the custodian closes, as nobody facilitates
    assert awaited(lab.bo, "to_close") == [] and awaited(lab.cy, "to_vote") == [("Later", None)]
    lab.ana.ok("POST", f"/api/v1/proposals/{soon}/close", json={})
    assert awaited(lab.ana, "to_close") == [] and lab.get(later)["status"] == "open"
