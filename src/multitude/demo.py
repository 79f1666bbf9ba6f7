"""The demo: a protest camp with its working groups, and an open-hardware lab in a regional
network, told as the events their people would sign. Later capabilities extend the same story.

The people's keys are derived from their names, so the cast is the same on every run and a
user can act as any of them (`multitude --as ana …`) once the demo stored their identities.

The story is dated over the three weeks before it is loaded (its own clock, a minute per
event), so its assemblies can have closed by now while two proposals are still open to vote on.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from multitude.keyring import Keyring
from multitude.ledger import Keypair
from multitude.ledger.event import event_time
from multitude.node import Node, Receipt

__all__ = ["CAST", "Person", "demo_key", "load_demo"]


@dataclass(frozen=True)
class Person:
    handle: str
    name: str
    about: str
    skills: tuple[str, ...]
    location: str


CAST: tuple[Person, ...] = (
    Person("ana", "Ana Ribeiro", "Facilitates the general assembly.", ("facilitation", "mediation"), "Plaza"),
    Person("bilal", "Bilal Haddad", "Runs the camp kitchen.", ("cooking", "logistics"), "Plaza"),
    Person("chen", "Chen Wei", "Nurse; coordinates the health tent.", ("first aid", "nursing"), "Plaza"),
    Person("dara", "Dara O'Neill", "Radio, livestreams and the camp's website.", ("radio", "web"), "Plaza"),
    Person("elif", "Elif Kaya", "Cooks and keeps the food store.", ("cooking", "inventory"), "Plaza"),
    Person("femi", "Femi Adeyemi", "Paramedic on weekends.", ("first aid",), "Plaza"),
    Person("gio", "Giovanni Russo", "Photographer and press contact.", ("photography", "press"), "Plaza"),
    Person("hana", "Hana Novak", "Keeps the assembly's minutes.", ("writing", "facilitation"), "Plaza"),
    Person("ivo", "Ivo Petrov", "Electronics; builds the lab's sensors.", ("electronics", "firmware"), "Lab"),
    Person("jun", "Jun Tanaka", "Mechanical design, 3D printing.", ("CAD", "3D printing"), "Lab"),
    Person("kemal", "Kemal Aydin", "Coordinates the regional makers.", ("coordination",), "Region"),
    Person("lena", "Lena Fischer", "Data and documentation at the lab.", ("python", "documentation"), "Lab"),
)


def demo_key(handle: str) -> Keypair:
    """The demo person's key: derived from their handle, the same on every machine."""
    return Keypair(hashlib.sha256(f"multitude demo person {handle}".encode()).digest())


STORY_DAYS = 21


class _Clock:
    """The demo's own clock: day 0 of the story is three weeks before `now`, and each event
    signed takes a minute, so the story's last day is yesterday whenever it is loaded."""

    def __init__(self, now: datetime) -> None:
        self.start = (now - timedelta(days=STORY_DAYS)).replace(hour=0, minute=0, second=0, microsecond=0)
        self.moment = self.at(0)

    def at(self, day: int, hour: int = 9) -> datetime:
        """`hour` o'clock (UTC) of the story's `day`; day STORY_DAYS is the day it is loaded."""
        return self.start + timedelta(days=day, hours=hour)

    def day(self, day: int, hour: int = 9) -> None:
        """Move on to `hour` o'clock of `day` (never back: what was signed stays before)."""
        self.moment = max(self.moment, self.at(day, hour))

    def tick(self) -> str:
        """The time of the next event."""
        self.moment += timedelta(minutes=1)
        return event_time(self.moment)


class _Dated(Node):
    """The node signing every event at the demo clock's time; it shares the node's store,
    projection and key ring."""

    def __init__(self, node: Node, clock: _Clock) -> None:
        vars(self).update(vars(node))
        self.clock = clock

    def signing_time(self) -> str:
        return self.clock.tick()

    def act(self, type: str, body: Mapping[str, Any], network: str | None = None, *,
            check: bool = True, time: str | None = None) -> Receipt:
        return super().act(type, body, network, check=check, time=time or self.clock.tick())


def load_demo(node: Node, keyring: Keyring | None = None, step: Callable[[str], None] | None = None,
              now: datetime | None = None) -> dict[str, str]:
    """Sign the demo's story into `node`, dated over the three weeks before `now` (the wall
    clock by default); return the networks' ids by name.

    With a key ring, the cast's identities are stored in it (so one can act as them).
    """
    say = step or (lambda _: None)
    keys = {person.handle: demo_key(person.handle) for person in CAST}
    if keyring is not None:
        for handle, key in keys.items():
            if handle not in keyring.names():
                keyring.create(handle, key=key)
    clock = _Clock(now or datetime.now(UTC))
    dated = _Dated(node, clock)

    def as_(handle: str) -> Node:
        dated.use_key(keys[handle])
        return dated

    say("profiles")
    for person in CAST:
        as_(person.handle).publish_profile("person", person.name, person.about, person.skills, person.location)

    say("the camp and its working groups")
    camp = as_("ana").create_network(
        "Plaza Camp", "A protest camp that became a small city: kitchen, health, communications, assembly.",
        membership="approval", approver_role="facilitator", roles=["steward"],
    )
    groups = {
        "Kitchen": ("bilal", "Feeds the camp three times a day.", ["cook"], ["elif"]),
        "Health": ("chen", "First aid tent and well-being.", ["medic"], ["femi"]),
        "Communications": ("dara", "Radio, livestream, press and the website.", ["press"], ["gio"]),
        "Assembly": ("hana", "Prepares and minutes the general assembly.", ["minute-taker"], ["ana"]),
    }
    ids = {"Plaza Camp": camp}
    for name, (keeper, purpose, roles, members) in groups.items():
        group = as_(keeper).create_network(name, purpose, membership="open", roles=roles)
        ids[name] = group
        for member in members:
            as_(member).request_membership(group)
        as_(keeper).grant_role(group, keys[members[0]].public, roles[0])
        as_(keeper).request_membership(camp, note=f"The {name} working group", on_behalf_of=group)

    say("admissions to the camp")
    as_("ana").grant_role(camp, keys["ana"].public, "facilitator")
    for name in groups:
        as_("ana").approve(camp, ids[name])
    as_("hana").request_membership(camp, note="Minutes of every assembly since day one.")
    as_("ana").approve(camp, keys["hana"].public)
    as_("ana").grant_role(camp, keys["hana"].public, "facilitator")
    # The working groups' people who want a voice of their own in the general assembly.
    for handle in ("bilal", "chen", "dara", "elif"):
        as_(handle).request_membership(camp, note="To speak and vote in the general assembly.")
        as_("hana").approve(camp, keys[handle].public)
    as_("gio").request_membership(camp, note="I photograph the camp for the press.")
    as_("ana").decline(camp, keys["gio"].public, "Please join through the Communications group.")
    as_("femi").request_membership(camp)
    as_("hana").approve(camp, keys["femi"].public)
    as_("ana").remove(camp, keys["femi"].public, "Asked to be listed only through the Health group.")
    # Gio, offline at the camp's edge, "approves" himself a day later: a node that receives
    # his event keeps it, shows it as rejected with its reason, and never applies it.
    as_("gio").act("membership.approved", {"v": 1, "member": keys["gio"].public, "reason": ""}, camp, check=False)

    say("the lab and the regional network")
    region = as_("kemal").create_network(
        "Regional Makers Network", "Makerspaces and labs of the region sharing tools and designs.",
        membership="invitation", roles=["delegate"],
    )
    lab = as_("ivo").create_network(
        "Open Sensor Lab", "Open-hardware air-quality sensors, designed and built in the open.",
        membership="approval", roles=["maintainer"],
    )
    ids.update({"Regional Makers Network": region, "Open Sensor Lab": lab})
    for handle in ("jun", "lena"):
        as_(handle).request_membership(lab)
        as_("ivo").approve(lab, keys[handle].public)
    as_("ivo").grant_role(lab, keys["jun"].public, "maintainer")
    as_("ivo").grant_role(lab, keys["lena"].public, "custodian")
    as_("kemal").invite(region, lab, "The lab's sensors are used across the region.")
    as_("ivo").request_membership(region, note="Glad to join.", on_behalf_of=lab)

    say("a second device")
    phone = Keypair(hashlib.sha256(b"multitude demo device lena-phone").digest())
    dated.use_key(phone)
    consent = dated.device_consent(keys["lena"].public)
    as_("lena").link_device(phone.public, consent, "phone")
    dated.use_key(phone)
    dated.publish_profile("person", "Lena Fischer", "Data and documentation at the lab (from my phone).",
                          ("python", "documentation"), "Lab")

    say("a season of contributions at the lab")
    clock.day(1)
    _lab_season(as_, keys, lab)
    say("donations shared by the camp")
    clock.day(3)
    _camp_donations(as_, keys, ids)
    say("the camp's general assembly")
    _camp_assembly(as_, keys, camp, clock)
    say("the lab votes on its value equation")
    _lab_vote(as_, lab, clock)
    say("the camp's budget round and its polls")
    _budget_round(as_, camp, clock)
    _radio_name(as_, camp, clock)
    say("proposals still open")
    _still_open(as_, keys, camp, clock)
    return ids


LAB_EQUATION_1 = """\
name = "Lab: Slicing Pie"
version = 1

# A tenth goes to the lab's own fund for tools and rent.
[[bucket]]
name = "fund"
percent = 10
recipient = "network"

# Money lent to the lab is paid back first, and never more than was lent.
[[bucket]]
name = "loans"
percent = 40
mode = "remaining"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"

# The rest is shared by Slicing Pie: time at twice its market rate; tools lent and materials
# bought with members' money at cost, to those who lent them or paid for them.
[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = "value * 2"
  [[bucket.rule]]
  actions = ["use", "consume"]
  value = "value"
"""

LAB_EQUATION_2 = """\
name = "Lab: rates per skill, recent work first"
version = 2

[[bucket]]
name = "fund"
percent = 10
recipient = "network"

[[bucket]]
name = "loans"
percent = 40
mode = "remaining"
  [[bucket.rule]]
  actions = ["transfer"]
  value = "value"
  claim = "debt"

# An hour of electronics or firmware is worth 40, any other hour 25; work loses a tenth of its
# weight every 30 days; nobody counts for more than 4000 a season.
[[bucket]]
name = "makers"
percent = 100
mode = "remaining"
  [[bucket.rule]]
  actions = ["work"]
  value = 'hours * (if skill in ["electronics", "firmware"] then 40 else 25) * max(0.5, 1 - days_ago / 300)'
  cap_per_agent = 4000
  [[bucket.rule]]
  actions = ["use"]
  value = "value"
"""


def _lab_season(as_: Callable[[str], Node], keys: dict[str, Keypair], lab: str) -> None:
    as_("ivo").amend_charter(lab, currencies={"EUR": 2}, validation={"policy": "peers", "approvals": 1})
    printer = as_("jun").create_resource(lab, "Prusa 3D printer", "3d-printer", unit="hour",
                                         value_per_unit_of_use="4", contributed=True,
                                         note="Jun's own printer, lent to the lab.")
    loan = as_("ivo").log_contribution(lab, "transfer", amount="300", currency="EUR",
                                       note="Lent for the first batch of boards.", happened="2026-09-01").event
    boards = as_("ivo").create_resource(lab, "Sensor PCBs", "pcb", unit="board", value_per_unit="6",
                                        funded_by=[loan], note="Bought with Ivo's loan.")
    batch = as_("lena").start_process(lab, "Batch 1: twenty air-quality sensors", plan="Autumn 2026")
    week = [("ivo", "work", "3", "electronics", "35", "Board layout"),
            ("jun", "work", "2.5", "CAD", "30", "Enclosure design"),
            ("lena", "work", "2", "documentation", "25", "Assembly guide"),
            ("jun", "use", "3", None, None, "Printing enclosures"),
            ("ivo", "work", "1.5", "firmware", "35", "Sensor firmware")]
    logged = []
    for day in range(1, 29, 3):
        happened = f"2026-09-{day:02d}"
        for handle, action, hours, skill, rate, note in week:
            if action == "use":
                receipt = as_(handle).log_contribution(lab, "use", hours=hours, resource=printer, process=batch,
                                                       happened=happened, note=note)
            else:
                receipt = as_(handle).log_contribution(lab, "work", hours=hours, skill=skill, rate=rate,
                                                       process=batch, happened=happened, note=note, tags=["batch-1"])
            logged.append((handle, receipt.event))
    soldered = as_("ivo").log_contribution(lab, "consume", quantity="20", resource=boards, process=batch,
                                           happened="2026-09-28", note="Twenty boards soldered.").event
    kits = as_("lena").create_resource(lab, "Air-quality sensor kits, batch 1", "sensor-kit", unit="kit")
    made = as_("lena").log_contribution(lab, "produce", resource=kits, process=batch, quantity="20",
                                        happened="2026-09-29", note="Twenty kits tested and boxed.").event
    reviewers = {"ivo": "jun", "jun": "lena", "lena": "ivo"}
    for handle, contribution in [("ivo", loan), ("ivo", soldered), ("lena", made), *logged]:
        as_(reviewers[handle]).validate_contribution(lab, contribution)
    doubtful = as_("lena").log_contribution(lab, "work", hours="9", skill="documentation", rate="25",
                                            happened="2026-09-30", note="Wiki (all of it?)").event
    as_("ivo").flag_contribution(lab, doubtful, "Nine hours for one wiki page: please split or correct it.")

    as_("ivo").adopt_equation(lab, LAB_EQUATION_1)
    sale = as_("ivo").record_income(lab, "1200", "EUR", "Twenty sensors sold to the city's schools", resource=kits)
    as_("ivo").distribute(lab, sale)
    as_("ivo").adopt_equation(lab, LAB_EQUATION_2)
    grant = as_("lena").record_income(lab, "800", "EUR", "Regional grant for open hardware")
    as_("lena").distribute(lab, grant)


CAMP_EQUATION = """\
name = "Plaza Camp: donations to the working groups"
version = 1

[[bucket]]
name = "kitchen"
percent = 40
recipient = "{kitchen}"

[[bucket]]
name = "health"
percent = 25
recipient = "{health}"

[[bucket]]
name = "communications"
percent = 10
recipient = "{communications}"
"""

KITCHEN_EQUATION = """\
name = "Kitchen: every hour alike"
version = 1

[[bucket]]
name = "cooks"
percent = 100
  [[bucket.rule]]
  actions = ["work"]
  value = "hours"
"""


def _camp_donations(as_: Callable[[str], Node], keys: dict[str, Keypair], ids: dict[str, str]) -> None:
    camp, kitchen = ids["Plaza Camp"], ids["Kitchen"]
    as_("ana").amend_charter(camp, currencies={"EUR": 2})
    as_("bilal").amend_charter(kitchen, currencies={"EUR": 2})
    for day, (bilal, elif_) in enumerate([("6", "4"), ("5", "5"), ("7", "3.5"), ("4", "6")], start=10):
        as_("bilal").log_contribution(kitchen, "work", hours=bilal, skill="cooking", happened=f"2026-10-{day}",
                                      note="Lunch and dinner")
        as_("elif").log_contribution(kitchen, "work", hours=elif_, skill="cooking", happened=f"2026-10-{day}",
                                     note="Breakfast and the food store")
    as_("bilal").adopt_equation(kitchen, KITCHEN_EQUATION)
    as_("ana").adopt_equation(camp, CAMP_EQUATION.format(
        kitchen=kitchen, health=ids["Health"], communications=ids["Communications"]))
    donation = as_("ana").record_income(camp, "1000", "EUR", "Donation box, first week")
    as_("ana").distribute(camp, donation)


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


def _give_assembly(as_: Callable[[str], Node], custodian: str, network: str, assembly: dict[str, Any]) -> None:
    """The custodian writes the assembly section into the network's charter, the rest as it is."""
    node = as_(custodian)
    row = node.network(network)
    charter = {**json.loads(row.charter), "assembly": assembly}
    node.act("network.charter_amended", {"v": 1, "name": row.name, "purpose": row.purpose, "charter": charter},
             row.network)


def _camp_assembly(as_: Callable[[str], Node], keys: dict[str, Keypair], camp: str, clock: _Clock) -> None:
    """A role given by modified consensus: a block with its reason, a stand-aside, a comment, an
    amendment, a changed vote; three quarters agree, so it passes and Dara is a facilitator."""
    clock.day(5, 10)
    _give_assembly(as_, "ana", camp, CAMP_ASSEMBLY)
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


def _lab_vote(as_: Callable[[str], Node], lab: str, clock: _Clock) -> None:
    """From now on the lab's equation is voted on; version 3 (a bigger fund) passes 2 to 1."""
    clock.day(10, 14)
    _give_assembly(as_, "ivo", lab, LAB_ASSEMBLY)
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


def _budget_round(as_: Callable[[str], Node], camp: str, clock: _Clock) -> None:
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


def _radio_name(as_: Callable[[str], Node], camp: str, clock: _Clock) -> None:
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


def _still_open(as_: Callable[[str], Node], keys: dict[str, Keypair], camp: str, clock: _Clock) -> None:
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
