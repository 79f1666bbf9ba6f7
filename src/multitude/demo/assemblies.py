"""The demo's assemblies: the camp's general assembly, the lab's vote on its equation, a budget
round, a poll, and proposals still open."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from multitude.demo.accounting import LAB_EQUATION_2
from multitude.demo.clock import STORY_DAYS, StoryClock
from multitude.ledger import Keypair
from multitude.node import Node

__all__ = ["budget_round", "camp_assembly", "lab_vote", "radio_name", "still_open"]



# -- assemblies ------------------------------------------------------------------------------

# Version 2 with a bigger fund: 15% of each income instead of 10%.
LAB_EQUATION_3 = (
    LAB_EQUATION_2
    .replace('name = "Lab: rates per skill, recent work first"', 'name = "Lab: rates per skill, a bigger fund"')
    .replace("version = 2", "version = 3")
    .replace('name = "fund"\npercent = 10', 'name = "fund"\npercent = 15')
)

# What only the camp's general assembly decides, and how: modified consensus, which a block
# does not stop when three quarters of those who take a side agree; half the members must
# take part.
CAMP_ASSEMBLY = {
    "decides": {kind: {"method": "modified_consensus", "supermajority": "3/4", "quorum": {"share": "1/2"}}
                for kind in ("admit_member", "remove_member", "grant_role", "revoke_role")},
}
# The lab's value equation is voted on: more than half of the votes cast, half the members
# taking part.
LAB_ASSEMBLY = {
    "decides": {"adopt_equation": {"method": "majority", "threshold": "1/2", "comparison": "more_than",
                                   "of": "votes_cast", "quorum": {"share": "1/2"}}},
}

BUDGET_PROJECTS = (
    {"id": "water", "title": "Water tank and filters", "cost": "250"},
    {"id": "solar", "title": "Solar panels for the radio", "cost": "400"},
    {"id": "medkit", "title": "Restock the health tent", "cost": "120"},
    {"id": "tarps", "title": "Rain tarps for the kitchen", "cost": "180"},
    {"id": "library", "title": "A small library tent", "cost": "90"},
)
BUDGET_BALLOTS = {
    "ana": ("water", "solar", "medkit"),
    "hana": ("water", "solar"),
    "bilal": ("water", "solar", "tarps"),
    "chen": ("water", "medkit"),
    "dara": ("water", "solar", "tarps"),
    "elif": ("medkit",),
}


def give_assembly(as_: Callable[[str], Node], custodian: str, network: str, assembly: dict[str, Any]) -> None:
    """The custodian writes the assembly section into the network's charter, the rest as it is."""
    node = as_(custodian)
    row = node.network(network)
    charter = {**json.loads(row.charter), "assembly": assembly}
    node.act("network.charter_amended", {"v": 1, "name": row.name, "purpose": row.purpose, "charter": charter},
             row.network)


def camp_assembly(as_: Callable[[str], Node], keys: dict[str, Keypair], camp: str, clock: StoryClock) -> None:
    """A role given by modified consensus: a block with its reason, a stand-aside, a comment, an
    amendment, a changed vote; three quarters agree, so it passes and Dara is a facilitator."""
    clock.day(5, 10)
    give_assembly(as_, "ana", camp, CAMP_ASSEMBLY)
    proposal = as_("hana").propose(
        camp, "Dara joins the facilitators", "modified_consensus", clock.at(9, 18).isoformat(), topic="roles",
        text="The assembly has outgrown two facilitators. Dara has held the evening circles for a "
             "fortnight; this gives her the facilitator role.",
        actions=[{"kind": "grant_role", "member": keys["dara"].public, "role": "facilitator"}],
    ).event
    as_("bilal").vote(proposal, position="agree", reason="She kept the kitchen's meeting calm last week.")
    as_("chen").vote(proposal, position="block",
                     reason="Roles should rotate: a third permanent facilitator is how a camp grows bosses.")
    as_("chen").comment(proposal, "I could live with a facilitator for the autumn, reviewed at the first "
                                  "assembly of winter.")
    clock.day(6, 11)
    as_("elif").vote(proposal, position="stand aside", reason="I have not been to the evening circles.")
    as_("ana").vote(proposal, position="abstain", reason="Waiting for an answer to Chen's point.")
    clock.day(6, 16)
    as_("hana").amend_proposal(
        proposal, "Dara joins the facilitators until the first assembly of winter",
        text="The assembly has outgrown two facilitators. Dara has held the evening circles for a "
             "fortnight; this gives her the facilitator role for the autumn. The first assembly of "
             "winter decides whether she keeps it.",
        note="After Chen's comment: the role is for the autumn, and comes back to the assembly.")
    as_("chen").comment(proposal, "Better, but I keep my block: rotation should be the rule for everyone, "
                                  "not a promise for one.")
    clock.day(7, 10)
    as_("ana").vote(proposal, position="agree", reason="The amendment answers the rotation question for me.")
    as_("dara").vote(proposal, position="agree")
    as_("hana").vote(proposal, position="agree")
    clock.day(10)
    as_("ana").close_proposal(proposal, "Closed at the morning assembly; Chen's block and reasons are minuted.")


def lab_vote(as_: Callable[[str], Node], lab: str, clock: StoryClock) -> None:
    """From now on the lab's equation is voted on; version 3 (a bigger fund) passes 2 to 1."""
    clock.day(10, 14)
    give_assembly(as_, "ivo", lab, LAB_ASSEMBLY)
    proposal = as_("lena").propose(
        lab, "Equation v3: fifteen percent to the lab's fund", "majority", clock.at(13, 12).isoformat(),
        topic="equation",
        text="The rent went up in October and the printer needs a new hotend: the fund takes 15% of "
             "each income instead of 10%. Everything else stays as in version 2.",
        actions=[{"kind": "adopt_equation", "document": LAB_EQUATION_3}],
    ).event
    as_("lena").vote(proposal, position="for")
    clock.day(11, 14)
    as_("ivo").vote(proposal, position="against", reason="Ten percent was enough; I would rather pay the makers.")
    as_("jun").comment(proposal, "The hotend alone is 60 EUR. I vote for.")
    as_("jun").vote(proposal, position="for")
    clock.day(13, 13)
    as_("lena").close_proposal(proposal, "Version 3 is in force from today.")


def budget_round(as_: Callable[[str], Node], camp: str, clock: StoryClock) -> None:
    """600 EUR for five projects: the solar panels are skipped (they no longer fit after the water
    tank) and two cheaper ones are funded after them; nobody backs the library tent."""
    clock.day(13, 15)
    proposal = as_("hana").propose(
        camp, "The second donation box: what we fund", "budget", clock.at(17, 18).isoformat(), topic="budget",
        text="600 EUR from the second week's donation box. Approve every project you would fund; the "
             "most approved are funded first, as long as the money lasts.",
        projects=BUDGET_PROJECTS, budget="600", currency="EUR",
    ).event
    for number, (handle, approved) in enumerate(BUDGET_BALLOTS.items()):
        clock.day(13 + number // 2, 20)  # two ballots an evening
        as_(handle).vote(proposal, approve=approved)
    clock.day(18)
    as_("hana").close_proposal(proposal, "Spending as decided; receipts go to the Assembly group.")


def radio_name(as_: Callable[[str], Node], camp: str, clock: StoryClock) -> None:
    """A name for the camp's radio, ranked and counted by Schulze."""
    clock.day(18, 11)
    options = ("Radio Plaza", "Tent FM", "Voice of the Square", "Night Shift")
    proposal = as_("dara").propose(camp, "A name for the camp's radio", "schulze", clock.at(19, 20).isoformat(),
                                   text="Rank the names you like; leave out those you do not.",
                                   options=options).event
    rankings = {
        "dara": ("Voice of the Square", "Radio Plaza", "Tent FM", "Night Shift"),
        "ana": ("Radio Plaza", "Voice of the Square", "Night Shift", "Tent FM"),
        "bilal": ("Tent FM", "Radio Plaza", "Voice of the Square"),
        "chen": ("Voice of the Square", "Tent FM", "Radio Plaza"),
        "hana": ("Radio Plaza", "Tent FM", "Voice of the Square"),
        "elif": ("Night Shift", "Voice of the Square", "Radio Plaza"),
    }
    for handle, ranking in rankings.items():
        as_(handle).vote(proposal, ranking=ranking)
    clock.day(20, 8)
    as_("dara").close_proposal(proposal)


def still_open(as_: Callable[[str], Node], keys: dict[str, Keypair], camp: str, clock: StoryClock) -> None:
    """The assembly reconsiders Gio, declined on the first day; since it admits members, a
    proposal does, open for a week (passed, it invites him). Elif lets Bilal vote for her on
    membership. And a poll for the next assembly's time."""
    clock.day(20, 9)
    as_("elif").delegate(camp, keys["bilal"].public, topic="membership")
    proposal = as_("dara").propose(
        camp, "Admit Giovanni Russo", "modified_consensus", clock.at(STORY_DAYS + 6, 18).isoformat(),
        topic="membership",
        text="Gio was asked on the first day to join through the Communications group. He has "
             "photographed every assembly since; this invites him to join the camp in his own name.",
        actions=[{"kind": "admit_member", "member": keys["gio"].public, "reason": "Three weeks of photographs."}],
    ).event
    as_("bilal").vote(proposal, position="agree", reason="He documents every assembly.")
    as_("hana").vote(proposal, position="agree")
    as_("chen").comment(proposal, "Has the Communications group said what it thinks?")
    slots = [clock.at(STORY_DAYS + 3, 18), clock.at(STORY_DAYS + 4, 11), clock.at(STORY_DAYS + 4, 18)]
    labels = [f"{slot:%a %d %b, %H:%M}" for slot in slots]
    poll = as_("hana").propose(
        camp, "When is the next general assembly?", "meeting_time", clock.at(STORY_DAYS + 2, 12).isoformat(),
        text="Say for each time whether you can come.", options=labels,
    ).event
    for handle, answers in {"ana": ("yes", "if need be", "no"), "chen": ("no", "yes", "yes"),
                            "dara": ("yes", "yes", "if need be")}.items():
        as_(handle).vote(poll, answers=dict(zip(labels, answers, strict=True)))
