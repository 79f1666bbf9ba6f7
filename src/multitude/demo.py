"""The demo: a protest camp with its working groups, and an open-hardware lab in a regional
network, told as the events their people would sign. Later capabilities extend the same story.

The people's keys are derived from their names, so the cast is the same on every run and a
user can act as any of them (`multitude --as ana …`) once the demo stored their identities.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass

from multitude.keyring import Keyring
from multitude.ledger import Keypair
from multitude.node import Node

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


def load_demo(node: Node, keyring: Keyring | None = None, step: Callable[[str], None] | None = None) -> dict[str, str]:
    """Sign the demo's story into `node`; return the networks' ids by name.

    With a key ring, the cast's identities are stored in it (so one can act as them).
    """
    say = step or (lambda _: None)
    keys = {person.handle: demo_key(person.handle) for person in CAST}
    if keyring is not None:
        for handle, key in keys.items():
            if handle not in keyring.names():
                keyring.create(handle, key=key)

    def as_(handle: str) -> Node:
        node.use_key(keys[handle])
        return node

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
    node.use_key(phone)
    consent = node.device_consent(keys["lena"].public)
    as_("lena").link_device(phone.public, consent, "phone")
    node.use_key(phone)
    node.publish_profile("person", "Lena Fischer", "Data and documentation at the lab (from my phone).",
                         ("python", "documentation"), "Lab")

    say("a season of contributions at the lab")
    _lab_season(as_, keys, lab)
    say("donations shared by the camp")
    _camp_donations(as_, keys, ids)
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
