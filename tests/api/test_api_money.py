"""Value equations, incomes and distributions through the JSON API, on both stores: a custodian
and a member share an income to the cent; a bad equation is answered with the line at fault;
who may record, adopt and read; malformed amounts and currencies."""

from __future__ import annotations

from typing import Any

from api.conftest import PASSWORD, Person, Web

from multitude.api.hosting import Hosting
from multitude.node import Node

# Straight shares first, then what remains to the makers by their hours: on 100 EUR the network
# keeps 33.333333% (33.33), Ana's stewardship is 12.5% (12.50), and the makers' 54.166667 is
# rounded up to 54.17 so that the lines add up to 100.00 exactly.
EQUATION = """name = "Shares"
version = 1

[[bucket]]
name = "commons"
percent = 33.333333
recipient = "network"

[[bucket]]
name = "stewardship"
percent = 12.5
recipient = "{steward}"

[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  value = "hours * 20"
"""


def signing(web: Web, person: Person) -> Node:
    """The node signing with a person's hosted identity: for the steps of the story that belong
    to other parts of the API (logging and validating contributions)."""
    key = Hosting.unlock(web.node.store.account(person.name), PASSWORD)
    return web.node.speaking_as(key)


class Camp:
    """Ana creates a camp that shares income in EUR and validates by peers; Bo joins, logs two
    hours of work, and Ana approves them. Cy has an account but is no member."""

    def __init__(self, web: Web) -> None:
        self.web = web
        self.ana, self.bo, self.cy = web.person("ana", "Ana"), web.person("bo", "Bo"), web.person("cy", "Cy")
        created = self.ana.ok("POST", "/api/v1/networks", json={
            "name": "Camp", "currencies": [{"code": "EUR", "decimals": 2}],
            "validation": {"policy": "peers", "approvals": 1}})
        self.network = str(created["network"])
        self.bo.ok("POST", f"{self.api}/join", json={})
        work = signing(web, self.bo).log_contribution(self.network, "work", hours="2", note="built the kitchen")
        signing(web, self.ana).validate_contribution(self.network, work.event)
        self.equation = EQUATION.format(steward=self.ana.agent)

    @property
    def api(self) -> str:
        return f"/api/v1/networks/{self.network}"

    def adopt(self) -> None:
        self.ana.ok("POST", f"{self.api}/equation", json={"document": self.equation})

    def income(self, amount: str = "100", source: str = "Grant") -> str:
        return str(self.ana.ok("POST", f"{self.api}/incomes",
                               json={"amount": amount, "currency": "EUR", "source": source})["income"])


def totals(split: dict[str, Any]) -> dict[str, str]:
    return {total["name"]: total["amount"] for total in split["totals"]}


SHARES = {"Bo": "54.17", "Camp": "33.33", "Ana": "12.50"}


def test_two_people_share_an_income_to_the_cent(web: Web) -> None:
    camp = Camp(web)
    assert camp.ana.ok("GET", f"{camp.api}/equation") == {"network": camp.network, "in_force": None, "versions": []}

    sandbox = camp.ana.ok("POST", f"{camp.api}/equation/preview", json={"amount": "100", "document": camp.equation})
    assert totals(sandbox) == SHARES
    assert sandbox["equation"] == "Shares (version 1)" and sandbox["currency"] == "EUR"

    camp.adopt()
    equation = camp.bo.ok("GET", f"{camp.api}/equation")
    assert equation["in_force"]["name"] == "Shares" and equation["in_force"]["version"] == 1
    assert [(v["version"], v["in_force"]) for v in equation["versions"]] == [(1, True)]

    income = camp.income("100.00")
    listed = camp.bo.ok("GET", f"{camp.api}/incomes")
    assert listed["total"] == 1
    assert listed["items"][0] | {"recorded": ""} == {
        "income": income, "network": camp.network, "amount": "100", "currency": "EUR", "source": "Grant",
        "paid_for": "", "distribution": None, "recorded": ""}

    preview = camp.bo.ok("POST", f"{camp.api}/incomes/{income[:10]}/preview")
    assert list(totals(preview).items()) == list(SHARES.items())  # largest first
    assert preview["total"] == "100.00"
    bo_line = next(line for line in preview["lines"] if line["name"] == "Bo")
    assert bo_line["bucket"] == "makers" and bo_line["claim"] == "equity"
    assert bo_line["reason"].startswith("1 contribution valued 40 by 'hours * 20'")
    assert bo_line["explanation"] == f"bucket 'makers', equity: {bo_line['reason']}"
    assert web.node.incomes(camp.network)[0].distribution == ""  # previews record nothing

    distributed = camp.ana.ok("POST", f"{camp.api}/incomes/{income}/distribute")
    assert distributed["status"] == "applied" and distributed["type"] == "distribution.recorded"
    assert distributed["distribution"] == distributed["event"]

    listed = camp.bo.ok("GET", f"{camp.api}/distributions")
    assert [d["distribution"] for d in listed["items"]] == [distributed["distribution"]]
    assert listed["items"][0]["equation"]["name"] == "Shares"

    shown = camp.bo.ok("GET", f"/api/v1/distributions/{distributed['distribution']}")
    assert totals(shown) == SHARES and shown["total"] == "100.00"
    assert shown["income"]["income"] == income and shown["income"]["distribution"] == distributed["distribution"]
    assert shown["equation"] | {"equation": ""} == {"equation": "", "name": "Shares", "version": 1}
    assert {line["name"]: line["amount"] for line in shown["lines"]} == SHARES
    assert [line["line"] for line in shown["lines"]] == [1, 2, 3]
    assert {line["name"]: line["explanation"] for line in shown["lines"]}["Ana"] == (
        "bucket 'stewardship', recipient: 12.5% straight to a fixed recipient")

    mine = camp.bo.ok("GET", f"/api/v1/distributions/{distributed['distribution'][:8]}?agent={camp.bo.agent}")
    assert [(line["name"], line["amount"]) for line in mine["lines"]] == [("Bo", "54.17")]
    assert mine["agent"] == camp.bo.agent and totals(mine) == SHARES

    again = camp.ana.post(f"{camp.api}/incomes/{income}/distribute")
    assert again.status_code == 403 and "already distributed" in again.json()["error"]["message"]


def test_a_bad_equation_is_answered_with_its_line(web: Web) -> None:
    camp = Camp(web)
    broken = 'name = "Shares"\n\n[[bucket]\nname = "all"\n'
    answer = camp.bo.post(f"{camp.api}/equation/check", json={"document": broken})
    assert answer.status_code == 422
    error = answer.json()["error"]
    assert error["field"].startswith("document:3:") and "line 3" in error["message"]

    too_much = camp.equation.replace("percent = 12.5", "percent = 150")
    error = camp.bo.post(f"{camp.api}/equation/check", json={"document": too_much}).json()["error"]
    line = too_much.splitlines().index("percent = 150") + 1
    assert error["field"] == f"document:{line}"
    assert "percent: 150 is not more than 0 and at most 100" in error["message"] and f"line {line}" in error["message"]

    assert camp.bo.ok("POST", f"{camp.api}/equation/check", json={"document": camp.equation}) == {"ok": True}

    before = web.events()
    refused = camp.ana.post(f"{camp.api}/equation", json={"document": broken})
    assert refused.status_code == 422 and refused.json()["error"]["field"].startswith("document:3")
    assert web.events() == before


def test_only_custodians_record_income_and_adopt_equations(web: Web) -> None:
    camp = Camp(web)
    before = web.events()
    adopting = camp.bo.post(f"{camp.api}/equation", json={"document": camp.equation})
    assert adopting.status_code == 403 and "custodian" in adopting.json()["error"]["message"]
    recording = camp.bo.post(f"{camp.api}/incomes", json={"amount": "100", "currency": "EUR", "source": "Grant"})
    assert recording.status_code == 403 and "custodian" in recording.json()["error"]["message"]
    assert web.events() == before
    assert camp.ana.ok("GET", f"{camp.api}/incomes")["total"] == 0

    camp.adopt()
    income = camp.income()
    before = web.events()
    distributing = camp.bo.post(f"{camp.api}/incomes/{income}/distribute")
    assert distributing.status_code == 403
    assert web.events() == before


def test_outsiders_do_not_read_a_networks_money(web: Web) -> None:
    camp = Camp(web)
    camp.adopt()
    income = camp.income()
    distribution = camp.ana.ok("POST", f"{camp.api}/incomes/{income}/distribute")["distribution"]
    for method, url in [("GET", f"{camp.api}/incomes"), ("GET", f"{camp.api}/distributions"),
                        ("GET", f"/api/v1/distributions/{distribution}"),
                        ("POST", f"{camp.api}/incomes/{income}/preview")]:
        answer = camp.cy.client.request(method, url)
        assert answer.status_code == 403, url
        assert answer.json()["error"]["message"].startswith("only members of Camp can see")
    sandbox = camp.cy.post(f"{camp.api}/equation/preview", json={"amount": "10", "document": camp.equation})
    assert sandbox.status_code == 403
    assert camp.cy.ok("GET", f"{camp.api}/equation")["in_force"]["name"] == "Shares"  # the equation is public
    assert camp.cy.get(f"/api/v1/distributions/{'f' * 64}").status_code == 404


def test_malformed_amounts_and_currencies_name_the_field_and_store_nothing(web: Web) -> None:
    camp = Camp(web)
    before = web.events()
    cases: list[tuple[dict[str, Any], str]] = [
        ({"amount": "ten", "currency": "EUR", "source": "Grant"}, "amount"),
        ({"amount": "-5", "currency": "EUR", "source": "Grant"}, "amount"),
        ({"amount": "0", "currency": "EUR", "source": "Grant"}, "amount"),
        ({"amount": "10.005", "currency": "EUR", "source": "Grant"}, "amount"),
        ({"amount": 10.5, "currency": "EUR", "source": "Grant"}, "amount"),  # a float is no exact amount
        ({"amount": "10", "currency": "eur", "source": "Grant"}, "currency"),
        ({"amount": "10", "currency": "USD", "source": "Grant"}, "currency"),
        ({"amount": "10", "currency": "EUR", "source": ""}, "source"),
        ({"amount": "10", "source": "Grant"}, "currency"),
    ]
    for body, field in cases:
        answer = camp.ana.post(f"{camp.api}/incomes", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["error"]["field"] == field, (body, answer.text)
    decimals = camp.ana.post(f"{camp.api}/incomes", json={"amount": "10.005", "currency": "EUR", "source": "G"})
    assert "EUR has 2 decimals" in decimals.json()["error"]["message"]
    preview = camp.ana.post(f"{camp.api}/equation/preview", json={"amount": "1,000", "document": camp.equation})
    assert preview.status_code == 422 and preview.json()["error"]["field"] == "amount"
    assert camp.ana.get(f"{camp.api}/incomes?limit=0").json()["error"]["field"] == "limit"
    assert web.events() == before


def test_incomes_are_listed_in_the_order_recorded_in_pages(web: Web) -> None:
    camp = Camp(web)
    sources = [f"Sale {n}" for n in range(5)]
    for source in sources:
        camp.income("10", source)
    first = camp.ana.ok("GET", f"{camp.api}/incomes?limit=3")
    rest = camp.ana.ok("GET", f"{camp.api}/incomes?limit=3&offset={first['next_offset']}")
    assert [i["source"] for i in first["items"] + rest["items"]] == sources
    assert first["total"] == 5 and rest["next_offset"] is None
