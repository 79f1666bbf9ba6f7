"""An assembly in a real browser, on a node served by `multitude serve`: Ana starts an open
network, Bo and Cy join, Bo delegates his vote to Cy. Ana proposes, by majority of the members,
that Bo be granted the facilitator role, voting to close in a few seconds (a delay she first
mistypes is refused beside the field, nothing opened); Cy votes for on her phone, carrying Bo's
weight, Ana votes for, the live tally is drawn beside its table, Bo comments. While it runs, Cy
asks where they meet (Schulze: she and Bo rank the options on their phones), Ana proposes a
spring budget and approves two projects, and Bo asks for quiet hours by consensus, where Cy's
block without a reason is refused with her ballot and nothing is stored. Once voting has ended
Ana closes the first proposal: both see that it passed, why, the chart, and Bo holding the role."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

from conftest import Person
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from test_browser_flow import sign_up

NETWORK = "Riverside Commons"
# Long enough for Cy's and Ana's votes to be in before it closes on a slow machine, short enough
# to keep the test quick: the other proposals are voted on while it runs.
FACILITATOR_CLOSES_IN = 15
FACILITATOR = "Bo facilitates our meetings"
WHERE = "Where we meet"
SPRING = "Spring budget"
QUIET = "Quiet hours after 22:00"


def test_an_assembly_decides(person: Callable[[str], Person]) -> None:
    ana, bo, cy = person("ana"), person("bo"), person("cy")
    network = ana_starts_an_open_network(ana)
    for someone, name in ((bo, "Bo"), (cy, "Cy")):
        joins(someone, name)
    bo_delegates_to_cy(bo, network)
    facilitator, closes = ana_proposes_bo_as_facilitator(ana, network)
    cy_votes_for_on_her_phone(cy, facilitator)
    ana_votes_and_sees_the_live_tally(ana, facilitator)
    bo_comments(bo, facilitator)
    cy_asks_where_to_meet_and_they_rank(cy, bo, network)
    ana_proposes_a_budget(ana, network)
    a_block_without_a_reason_is_refused(bo, cy, network)
    ana_closes_once_voting_ended(ana, facilitator, closes)
    bo_sees_the_outcome_and_his_role(bo, facilitator, network)
    for someone in (ana, bo, cy):
        someone.check_console()  # late messages too, e.g. from a chart drawn after the page loaded


# -- the network -------------------------------------------------------------------------------
def ana_starts_an_open_network(ana: Person) -> str:
    sign_up(ana, "Ana")
    ana.follow("Networks")
    ana.fill("Name", NETWORK)
    ana.fill("Purpose", "A shared workshop and garden by the river")
    ana.pick("Who may join", "anyone (open)")
    ana.fill("Currency it shares income in", "EUR")
    ana.press("Create the network")
    assert ana.heading() == NETWORK
    return ana.path.removeprefix("/n/")


def joins(someone: Person, display_name: str) -> None:
    sign_up(someone, display_name)
    someone.follow("Networks")
    someone.follow(NETWORK)
    someone.press("Join")
    assert display_name in members_and_roles(someone)


def members_and_roles(someone: Person) -> dict[str, str]:
    """The network page's table: each member's name and their roles (or "")."""
    table = someone.driver.find_element(By.XPATH, "//h2[.='Members and roles']/following::table[1]")
    rows = [row.find_elements(By.TAG_NAME, "td") for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    return {cells[0].text: cells[1].text for cells in rows}


# -- the facilitator, by majority, closing in seconds --------------------------------------------
def ana_proposes_bo_as_facilitator(ana: Person, network: str) -> tuple[str, float]:
    """Opened from the form with a grant of the facilitator role to Bo; the proposal's address,
    and when (by this machine's clock) its voting ends."""
    assert ana.path == f"/n/{network}"  # where she created it
    ana.follow("Proposals")
    assert ana.heading() == "Proposals"
    assert "0 proposals" in ana.text() and "No proposal yet." in ana.text()
    ana.fill("Title", FACILITATOR)
    ana.fill("What you propose, and why", "Bo has run the last three meetings; let him hold the role.")
    ana.pick("How it is decided", "Majority vote: for, against or abstain")
    ana.fill("or after", "in a moment")
    open_details(ana, "What it does if it passes")
    action = ana.driver.find_element(By.XPATH, "//fieldset[legend[.='Action 1']]")
    ana.pick("Kind", "Grant a role")
    ana.fill("Member (a name or a key)", "Bo", within=action)
    ana.pick("Role (to grant or revoke)", "facilitator")
    said = ana.press_refused("Open the proposal")
    assert said == "after: 'in a moment' is not a delay such as +45m, +2h30m or +90s", said
    assert ana.field("or after").get_attribute("aria-invalid") == "true"
    assert "0 proposals" in ana.text()  # nothing opened
    assert ana.field("Title").get_attribute("value") == FACILITATOR  # all she gave is still there
    assert ana.field("Member (a name or a key)").get_attribute("value") == "Bo"
    ana.fill("or after", f"+{FACILITATOR_CLOSES_IN}s")
    ana.screenshot("proposal-form")
    closes = time.monotonic() + FACILITATOR_CLOSES_IN
    ana.press("Open the proposal")
    assert ana.heading() == FACILITATOR
    said = ana.text()
    assert "Proposal opened." in said
    assert "Grant the facilitator role to Bo" in said, said
    assert "Decided by majority (more than 1/2 of the members)." in said, said
    return ana.path.split("?")[0], closes


def bo_delegates_to_cy(bo: Person, network: str) -> None:
    assert bo.path == f"/n/{network}"  # where he joined
    bo.follow("Delegations")
    assert "You delegate to nobody." in bo.text()
    bo.pick("Your vote goes to", "Cy")
    bo.press("Delegate")
    said = bo.text()
    assert "Your delegation is set." in said and "On every proposal, your vote goes to Cy" in said, said
    assert table_rows(bo, "All delegations in Riverside Commons") == [["Bo", "every proposal", "Cy"]]


def cy_votes_for_on_her_phone(cy: Person, facilitator: str) -> None:
    cy.visit("/")
    cy.follow(NETWORK)
    cy.follow("Proposals")
    listed = cy.driver.find_element(By.CSS_SELECTOR, "ul.proposals")
    assert FACILITATOR in listed.text and "0 votes" in listed.text, listed.text
    cy.follow(FACILITATOR, within=listed)
    assert cy.path == facilitator
    assert "Bo delegates to you: your vote carries their weight when they do not vote." in cy.text()
    cy.choose("for")
    cy.screenshot("ballot-majority")
    cy.press("Vote")
    said = cy.text()
    assert "Your vote is recorded" in said and "You voted: for" in said, said
    assert tally(cy) == {"for": "2", "against": "0", "abstain": "0"}  # hers, and Bo's through her


def ana_votes_and_sees_the_live_tally(ana: Person, facilitator: str) -> None:
    ana.visit(facilitator)
    ana.choose("for")
    ana.press("Vote")
    said = ana.text()
    assert "You voted: for" in said and "Ana may close it once voting ends" in said, said
    assert tally(ana) == {"for": "3", "against": "0", "abstain": "0"}
    see_the_chart(ana)
    assert "If it closed now: Passes: for 3 of the members' weight 3" in said, said
    assert "2 of 3 members took part, with weight 3 of 3" in said, said  # Bo's weight went through Cy
    assert table_rows(ana, "Delegated weight") == [["Bo", "Bo → Cy", "Cy"]]
    ana.screenshot("tally-open")


def bo_comments(bo: Person, facilitator: str) -> None:
    bo.visit(facilitator)
    said = bo.text()
    assert "You have not voted yet." in said and "When you do not vote, your weight goes to Cy." in said, said
    bo.fill("Your comment", "Thank you; I will keep the meetings short.")
    bo.press("Comment")
    assert "Comment added." in bo.text()
    comments = bo.driver.find_element(By.CSS_SELECTOR, "ul.comments")
    assert comments.text.startswith("Bo ") and comments.text.endswith("Thank you; I will keep the meetings short.")


# -- a ranked choice, a budget, a refused ballot -------------------------------------------------
def cy_asks_where_to_meet_and_they_rank(cy: Person, bo: Person, network: str) -> None:
    """Schulze: Bo and Cy rank the library first; the library wins."""
    open_a_proposal(cy, network, WHERE, "Schulze: rank the options", options="The lab\nThe library\nThe park")
    cy.fill("The library", "1")
    cy.fill("The lab", "2")
    cy.screenshot("ballot-ranking")
    cy.press("Vote")
    assert "You voted: The library › The lab" in cy.text()

    bo.visit(f"/n/{network}/proposals")
    bo.follow(WHERE)
    assert bo.field("The library").get_attribute("value") == ""  # nothing ranked for him
    bo.fill("The park", "2")
    bo.fill("The library", "1")
    bo.press("Vote")
    said = bo.text()
    assert "You voted: The library › The park" in said, said
    assert "If it closed now: The library wins by Schulze; ranking The library, The lab, The park." in said, said
    assert tally(bo) == {"The lab": "0", "The library": "2", "The park": "0"}
    chart = see_the_chart(bo)
    assert chart.get_attribute("aria-label") == "The tally of Where we meet: options beaten per option"


def ana_proposes_a_budget(ana: Person, network: str) -> None:
    """A participatory budget of 300 EUR; Ana approves the kiln and the seeds on her phone."""
    open_a_proposal(ana, network, SPRING, "Participatory budget: approve projects within a budget",
                    projects="roof; 250; Fix the roof\nseeds; 40; Seeds for the garden\nkiln; 200; A kiln",
                    budget="300")
    assert "Budget 300.00 EUR" in ana.text()
    ana.choose("A kiln (200.00 EUR)")
    ana.choose("Seeds for the garden (40.00 EUR)")
    ana.screenshot("ballot-budget")
    ana.press("Vote")
    assert "You voted: approves seeds, kiln" in ana.text()
    assert tally(ana) == {"roof": "0", "seeds": "1", "kiln": "1"}
    see_the_chart(ana)


def a_block_without_a_reason_is_refused(bo: Person, cy: Person, network: str) -> None:
    """Consensus: a block must say why. Refused above the ballot with the block still chosen,
    and nothing stored: once she gives her reason, hers is the only new event."""
    open_a_proposal(bo, network, QUIET, "Consensus: passes when someone agrees and nobody blocks")
    before = events_total(cy)
    cy.visit(f"/n/{network}/proposals")
    cy.follow(QUIET)
    cy.choose("block (say why)")
    said = cy.press_refused("Vote")
    assert said == "to block needs a reason", said
    assert cy.driver.find_element(By.ID, "vote-error").text == said  # with the ballot
    assert cy.field("block (say why)").is_selected()  # what she chose is still chosen
    assert "You have not voted yet." in cy.text()
    cy.screenshot("ballot-refused")
    cy.fill("Reason (needed to block)", "The bakery starts at 4; 21:00 would suit it.")
    cy.press("Vote")
    assert "You voted: block: The bakery starts at 4; 21:00 would suit it." in cy.text()
    assert events_total(cy) == before + 1


# -- closing ----------------------------------------------------------------------------------
def ana_closes_once_voting_ended(ana: Person, facilitator: str, closes: float) -> None:
    time.sleep(max(0.0, closes - time.monotonic()) + 0.5)
    ana.visit(facilitator)
    assert "You voted: for" in ana.text() and "Change my vote" not in ana.text()  # voting has ended
    ana.fill("A note with the outcome (optional)", "Welcome, Bo.")
    ana.press("Close the proposal and count the votes")
    said = ana.text()
    assert "Closed: the outcome is below." in said, said
    see_the_outcome(ana)
    ana.screenshot("outcome")
    ana.screenshot("outcome-desktop", desktop=True)


def bo_sees_the_outcome_and_his_role(bo: Person, facilitator: str, network: str) -> None:
    bo.visit(f"/n/{network}/proposals")
    cards = bo.driver.find_elements(By.CSS_SELECTOR, "ul.proposals li")
    titles = [card.find_element(By.TAG_NAME, "strong").text for card in cards]
    assert set(titles[:3]) == {WHERE, SPRING, QUIET} and titles[3] == FACILITATOR  # the open ones first
    assert "closed: passed" in cards[3].text and "Passes: for 3" in cards[3].text, cards[3].text
    bo.screenshot("proposals")
    bo.follow(FACILITATOR)
    assert bo.path == facilitator
    see_the_outcome(bo)
    bo.follow(NETWORK)
    assert members_and_roles(bo) == {"Ana": "custodian", "Bo": "facilitator", "Cy": ""}


def see_the_outcome(someone: Person) -> None:
    said = someone.text()
    assert "closed: passed" in said, said
    assert "Outcome Passes: for 3 of the members' weight 3, more than 1/2 needed." in said, said
    assert "Ana: Welcome, Bo." in said, said  # her note with it
    effects = someone.driver.find_element(By.XPATH, "//h3[.='Effects']/following::ul[1]")
    assert effects.text == "grant role: granted", effects.text
    assert tally(someone) == {"for": "3", "against": "0", "abstain": "0"}
    see_the_chart(someone)


# -- helpers -----------------------------------------------------------------------------------
def open_a_proposal(someone: Person, network: str, title: str, method: str, *, options: str = "",
                    projects: str = "", budget: str = "") -> None:
    """From the network's proposals page, voting to close in a day; lands on the proposal's page."""
    someone.visit(f"/n/{network}/proposals")
    someone.fill("Title", title)
    someone.pick("How it is decided", method)
    someone.choose("in 1 day")
    if options:
        open_details(someone, "Options (approval, score, dots, ranking, meeting time)")
        someone.fill("Options, one per line", options)
    if projects:
        open_details(someone, "Budget (participatory budget)")
        someone.fill("Projects, one per line: id; cost; title", projects)
        someone.fill("Budget", budget)
        someone.pick("Currency", "EUR")
    someone.press("Open the proposal")
    assert someone.heading() == title
    assert "Proposal opened." in someone.text()


def open_details(someone: Person, summary: str) -> None:
    """Unfold a folded part of a form by tapping its summary (all of it, or the start of it)."""
    details = someone.driver.find_element(By.XPATH, f"//details[summary[starts-with(normalize-space(), '{summary}')]]")
    if details.get_attribute("open") is None:
        someone.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", details)
        details.find_element(By.TAG_NAME, "summary").click()


def tally(someone: Person) -> dict[str, str]:
    """The tally's table of exact figures, beside its chart."""
    table = someone.driver.find_element(By.XPATH, "//table[caption[.='The figures of the chart, exact']]")
    rows = [row.find_elements(By.TAG_NAME, "td") for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]
    return {cells[0].text: cells[1].text for cells in rows}


def see_the_chart(someone: Person) -> WebElement:
    """The tally drawn by Plotly: an SVG with one bar per figure."""
    chart = someone.wait_for("div.chart[data-drawn=true]")
    assert (chart.get_attribute("aria-label") or "").startswith("The tally of ")
    bars = chart.find_elements(By.CSS_SELECTOR, "g.point")
    assert len(bars) == len(tally(someone)), len(bars)
    return chart


def table_rows(someone: Person, heading: str) -> list[list[str]]:
    table = someone.driver.find_element(By.XPATH, f"//*[self::h2 or self::h3][.='{heading}']/following::table[1]")
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")]


def events_total(someone: Person) -> int:
    """How many events the node holds that `someone` may see, as the event log says."""
    someone.visit("/events")
    status = someone.driver.find_element(By.CSS_SELECTOR, "p[role=status]").text
    found = re.search(r"of (\d+)\.$", status)
    assert found, status
    return int(found.group(1))
