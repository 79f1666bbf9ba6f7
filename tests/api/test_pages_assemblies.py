"""The assembly pages as a browser uses them, on both stores: a network's proposals and the form
to open one (errors beside the field, nothing stored), a proposal's page with a ballot for every
method, the live tally as a chart beside its table (or hidden, and said so), amending,
withdrawing, closing with the outcome and its effects, comments, and delegations."""

from __future__ import annotations

import json
import re
from html import unescape

import httpx
from api.conftest import Web
from api.test_api_assemblies import Lab
from api.test_pages_contributions import labelled, post_form
from api.test_pages_money import text_of


def form_of(page: httpx.Response, action: str) -> str:
    found = re.search(rf'<form method="post" action="{re.escape(action)}[^"]*"[^>]*>(.*?)</form>', page.text, re.S)
    assert found, f"no form posting to {action}"
    return found.group(1)


def test_the_network_page_leads_to_its_proposals_and_delegations(web: Web) -> None:
    lab = Lab(web)
    network = lab.bo.get(f"/n/{lab.network}").text
    assert f'href="/n/{lab.network}/proposals"' in network and f'href="/n/{lab.network}/delegations"' in network
    assert "data-figure" not in network and "plotly" not in network  # no chart to draw: no charting script
    page = lab.bo.get(f"/n/{lab.network}/proposals")
    assert page.status_code == 200
    assert f'href="/api/v1/networks/{lab.network}/proposals"' in page.text  # its JSON counterpart
    form = form_of(page, f"/n/{lab.network}/proposals")
    for name in ("title", "text", "method", "preset", "closes", "topic", "options", "dots", "projects", "budget",
                 "currency", "action-0-kind", "action-0-member", "action-0-role", "action-0-document",
                 "action-0-amount", "action-0-purpose", "action-0-payee"):
        assert f'name="{name}"' in form, name
    assert 'type="datetime-local"' in form and '<input type="radio" name="preset" value="+7d"' in form
    for action in ("admit_member", "remove_member", "grant_role", "revoke_role", "adopt_equation", "spend"):
        assert f'<option value="{action}"' in form
    assert labelled(page.text)
    assert lab.zed.get(f"/n/{lab.network}/proposals").status_code == 403


def test_a_proposal_opened_by_form_lands_on_its_page(web: Web) -> None:
    lab = Lab(web)
    page = f"/n/{lab.network}/proposals"
    answer = post_form(lab.bo, page, page, {
        "title": "Who facilitates", "text": "Cy has offered.", "method": "majority", "preset": "+1d",
        "action-0-kind": "grant_role", "action-0-member": "Cy", "action-0-role": "facilitator",
        "options": "typed before choosing majority"})  # left out: a majority has no options
    assert answer.status_code == 303, answer.text
    location = answer.headers["location"]
    assert re.fullmatch(r"/proposals/[0-9a-f]{64}\?opened=1", location)
    shown = lab.bo.get(location)
    read = text_of(shown)
    assert "Proposal opened." in read and "Who facilitates" in read and "Cy has offered." in read
    assert "Grant the facilitator role to Cy" in read and "Decided by majority (more than 1/2 of the members)" in read
    proposal = location.split("/")[2].split("?")[0]
    assert f'href="/api/v1/proposals/{proposal}"' in shown.text
    assert labelled(shown.text)
    listed = text_of(lab.cy.get(page))
    assert "Who facilitates open" in listed and "0 votes" in listed


def test_a_proposal_that_cannot_be_opened_is_shown_again_with_the_reason_beside_the_field(web: Web) -> None:
    lab = Lab(web)
    page = f"/n/{lab.network}/proposals"
    before = web.events()
    late = post_form(lab.bo, page, page, {"title": "Late", "method": "consent", "closes": "soon"})
    assert late.status_code == 422 and 'id="p-closes-error"' in late.text and 'aria-invalid="true"' in late.text
    assert "is neither a time" in unescape(late.text) and 'value="Late"' in late.text  # what was typed stays
    lonely = post_form(lab.bo, page, page, {"title": "Tea?", "method": "approval", "options": "tea"})
    assert lonely.status_code == 422 and "needs at least two options" in text_of(lonely)
    nobody = post_form(lab.bo, page, page, {"title": "Admit", "method": "majority", "action-1-kind": "admit_member",
                                            "action-1-member": "nobody at all"})
    assert nobody.status_code == 422 and 'id="p-action-0-kind-error"' in nobody.text
    assert "no agent 'nobody at all' known here" in unescape(nobody.text)
    projects = post_form(lab.bo, page, page, {"title": "Budget", "method": "budget", "projects": "roof 250",
                                              "budget": "300", "currency": "EUR"})
    assert projects.status_code == 422 and 'id="p-projects-error"' in projects.text
    assert "line 1 ('roof 250') is not `id; cost; title`" in unescape(projects.text)
    past = post_form(lab.bo, page, page, {"title": "Past", "method": "consent", "closes": "2020-01-01T10:00"})
    assert past.status_code == 403 and "is not after the opening" in text_of(past)
    assert web.events() == before


def test_every_method_has_a_ballot_that_votes(web: Web) -> None:
    lab = Lab(web)
    options = ["tea", "coffee", "mate"]
    cases = [
        ({"method": "consent"}, ['type="radio" name="position" value="object"'],
         {"position": "object", "reason": "too bitter"}, "object: too bitter"),
        ({"method": "consensus"}, ['value="stand aside"', 'value="block"'], {"position": "stand aside"}, "stand aside"),
        ({"method": "majority"}, ['value="against"'], {"position": "for"}, "for"),
        ({"method": "sense_check"}, ['value="unsure"'], {"position": "unsure"}, "unsure"),
        ({"method": "approval", "options": options}, ['type="checkbox" id="v-approve-2" name="approve" value="2"'],
         {"approve": ["0", "2"]}, "approves tea, mate"),
        ({"method": "score", "options": options}, ['name="score-1" min="0" max="5"'],
         {"score-0": "5", "score-1": "3"}, "tea 5, coffee 3, mate 0"),
        ({"method": "dots", "options": options, "dots": 4}, ['name="dots-0" min="0" max="4"'],
         {"dots-1": "3", "dots-2": "1"}, "tea 0 dots, coffee 3 dots, mate 1 dots"),
        ({"method": "schulze", "options": options}, ['name="rank-2" min="1" max="3"'],
         {"rank-0": "2", "rank-2": "1"}, "mate › tea"),
        ({"method": "meeting_time", "options": ["Mon", "Tue"]}, ['name="answer-1" value="if need be"'],
         {"answer-0": "yes", "answer-1": "if need be"}, "Mon: yes; Tue: if need be"),
        ({"method": "budget", "projects": [{"id": "roof", "title": "Fix the roof", "cost": "250"},
                                           {"id": "seeds", "title": "Seeds", "cost": "40"}],
          "budget": "300", "currency": "EUR"}, ['name="approve" value="1"', "Fix the roof (250.00 EUR)"],
         {"approve": ["1"]}, "approves seeds"),
    ]
    for setup, inputs, ballot, words in cases:
        proposal = lab.propose(**setup)
        page = lab.bo.get(f"/proposals/{proposal}")
        form = form_of(page, f"/proposals/{proposal}/votes")
        assert all(needle in form for needle in inputs), (setup, form)
        assert labelled(page.text), setup
        answer = post_form(lab.bo, f"/proposals/{proposal}", f"/proposals/{proposal}/votes", ballot)
        assert answer.status_code == 303, (setup, answer.text)
        after = lab.bo.get(answer.headers["location"])
        assert f"You voted: {words}" in text_of(after), (setup, text_of(after))
        assert "Change my vote" in after.text


def test_quadratic_credits_are_spent_on_the_ballot(web: Web) -> None:
    lab = Lab(web, {"weights": "quadratic", "credits": 16})
    proposal = lab.propose(method="majority")
    url = f"/proposals/{proposal}"
    form = form_of(lab.bo.get(url), f"{url}/votes")
    assert 'name="votes" min="0" max="4"' in form and "up to 4 with 16 credits" in form
    dear = post_form(lab.bo, url, f"{url}/votes", {"position": "for", "votes": "5"})
    assert dear.status_code == 403 and "5 votes cost 25 credits, 16 available" in text_of(dear)
    assert post_form(lab.bo, url, f"{url}/votes", {"position": "for", "votes": "3"}).status_code == 303
    assert "You voted: for (3 votes)" in text_of(lab.bo.get(url))


def test_a_ballot_that_cannot_be_counted_is_shown_again_with_the_reason(web: Web) -> None:
    lab = Lab(web)
    consent = lab.propose()
    ranked = lab.propose(method="borda", options=["a", "b", "c"])
    before = web.events()
    objection = post_form(lab.bo, f"/proposals/{consent}", f"/proposals/{consent}/votes", {"position": "object"})
    assert objection.status_code == 403 and 'id="vote-error"' in objection.text
    assert "to object needs a reason" in text_of(objection)
    assert 'value="object" required checked' in objection.text  # the choice made stays
    twice = post_form(lab.bo, f"/proposals/{ranked}", f"/proposals/{ranked}/votes", {"rank-0": "1", "rank-1": "1"})
    assert twice.status_code == 422 and "two options have rank 1" in text_of(twice)
    assert web.events() == before


def test_the_live_tally_is_a_chart_beside_a_table_unless_the_charter_hides_it(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose(method="approval", options=["tea", "coffee"])
    lab.vote(lab.ana, proposal, approve=["tea"])
    lab.vote(lab.cy, proposal, approve=["tea", "coffee"])
    page = lab.bo.get(f"/proposals/{proposal}")
    chart = re.search(r'<div class="chart" role="img" aria-label="([^"]+)" data-figure="([^"]+)"', page.text)
    assert chart and "The tally of Paint the door green" in unescape(chart.group(1))
    figure = json.loads(unescape(chart.group(2)))
    assert figure["data"][0]["x"] == ["tea", "coffee"] and figure["data"][0]["y"] == [2, 1]
    read = text_of(page)
    assert "Option Weight tea 2 coffee 1" in read and "2 of 3 members took part" in read
    assert '<script src="/static/plotly.min.js"></script>' in page.text


def test_a_hidden_tally_shows_neither_chart_nor_others_votes(web: Web) -> None:
    lab = Lab(web, {"tally": "hidden"})
    proposal = lab.propose(method="majority")
    against = lab.vote(lab.ana, proposal, position="against").json()["event"]
    lab.vote(lab.bo, proposal, position="for")
    page = lab.bo.get(f"/proposals/{proposal}")
    read = text_of(page)
    assert "The charter keeps the tally hidden until the proposal closes." in read
    assert 'class="chart"' not in page.text and "Weight" not in read and "took part" not in read
    assert against not in page.text and "You voted: for" in read


def test_amending_withdrawing_and_closing_from_the_page(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose(lab.bo, method="majority", text="Green.",
                           actions=[{"kind": "grant_role", "member": "Cy", "role": "facilitator"}])
    url = f"/proposals/{proposal}"
    assert "Amend it" in lab.bo.get(url).text and "Withdraw it" in lab.bo.get(url).text
    assert "Amend it" not in lab.cy.get(url).text and "Withdraw it" not in lab.cy.get(url).text
    before = web.events()
    blank = post_form(lab.bo, url, f"{url}/amendments", {"title": "", "text": "Blue."})
    assert blank.status_code == 422 and 'id="amend-error"' in blank.text and "title:" in text_of(blank)
    assert web.events() == before
    amended = post_form(lab.bo, url, f"{url}/amendments", {"title": "Paint it blue", "text": "Blue.", "note": "bluer"})
    assert amended.status_code == 303
    read = text_of(lab.bo.get(amended.headers["location"]))
    assert "Amended: the earlier version is kept." in read and "Paint it blue" in read
    older = text_of(lab.cy.get(f"{url}?version=1"))
    assert "You are reading version 1 of 2" in older and "Green." in older
    assert lab.cy.get(f"{url}?version=3").status_code == 404

    for person, position in ((lab.ana, "for"), (lab.bo, "for")):
        lab.vote(person, proposal, position=position)
    assert "Ana may close it once voting ends" in text_of(lab.ana.get(url))
    lab.time_passes(proposal)
    assert "Close the proposal and count the votes" not in lab.bo.get(url).text
    closed = post_form(lab.ana, url, f"{url}/close", {"note": "done"})
    assert closed.status_code == 303
    read = text_of(lab.cy.get(closed.headers["location"]))
    assert "closed: passed" in read and "Passes: for 2" in read
    assert "grant role: granted" in read and "Withdraw it" not in read
    assert 'class="chart"' in lab.cy.get(url).text and "Position Weight for 2 against 0 abstain 0" in read

    other = lab.propose(lab.bo)
    gone = post_form(lab.bo, f"/proposals/{other}", f"/proposals/{other}/withdrawal", {"reason": "no time"})
    assert gone.status_code == 303 and "Withdrawn. no time" in text_of(lab.bo.get(gone.headers["location"]))


def test_comments_are_posted_and_listed(web: Web) -> None:
    lab = Lab(web)
    proposal = lab.propose()
    url = f"/proposals/{proposal}"
    empty = post_form(lab.cy, url, f"{url}/comments", {"text": "  "})
    assert empty.status_code == 422 and 'id="comment-error"' in empty.text
    said = post_form(lab.cy, url, f"{url}/comments", {"text": "Which green?"})
    assert said.status_code == 303
    assert "Cy" in text_of(lab.ana.get(url)) and "Which green?" in text_of(lab.ana.get(url))


def test_delegations_are_set_listed_and_revoked_on_their_page(web: Web) -> None:
    lab = Lab(web)
    page = f"/n/{lab.network}/delegations"
    shown = lab.bo.get(page)
    assert shown.status_code == 200 and f'href="/api/v1/networks/{lab.network}/delegations"' in shown.text
    assert labelled(shown.text)
    before = web.events()
    bad = post_form(lab.bo, page, page, {"delegate": lab.cy.agent, "topic": "Kitchen!"})
    assert bad.status_code == 422 and 'id="d-topic-error"' in bad.text
    assert web.events() == before
    assert post_form(lab.bo, page, page, {"delegate": lab.cy.agent}).status_code == 303
    assert post_form(lab.bo, page, page, {"delegate": lab.ana.agent, "topic": "kitchen"}).status_code == 303
    read = text_of(lab.cy.get(page))
    assert "Bo every proposal Cy" in read and "Bo kitchen Ana" in read and "Bo delegates to you." in read
    proposal = lab.propose(topic="kitchen")
    assert "When you do not vote, your weight goes to Ana." in text_of(lab.bo.get(f"/proposals/{proposal}"))
    revoked = post_form(lab.bo, page, f"{page}/revoke", {"topic": "kitchen"})
    assert revoked.status_code == 303
    assert "Your delegation is revoked." in text_of(lab.bo.get(revoked.headers["location"]))
    again = post_form(lab.bo, page, f"{page}/revoke", {"topic": "kitchen"})
    assert again.status_code == 403 and "no delegation on kitchen to revoke" in text_of(again)


def test_the_home_page_lists_the_proposals_awaiting_my_vote_and_those_to_close(web: Web) -> None:
    lab = Lab(web)
    lab.bo.ok("PUT", f"{lab.api}/delegations", json={"delegate": "Cy"})
    proposal = lab.propose(title="Paint the door green")
    home = lab.bo.get("/")
    assert f'href="/proposals/{proposal}#vote"' in home.text
    assert "Proposals awaiting your vote (1)" in text_of(home) and "delegated to Cy unless you vote" in text_of(home)
    assert lab.vote(lab.bo, proposal, position="consent").status_code == 201
    assert "Proposals awaiting your vote" not in text_of(lab.bo.get("/"))
    lab.time_passes(proposal)
    home = lab.ana.get("/")
    assert "Proposals to close (1)" in text_of(home) and f'href="/proposals/{proposal}#close"' in home.text
    assert "Nothing waits for you." in text_of(lab.zed.get("/"))
