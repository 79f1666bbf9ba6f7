"""The demo: a protest camp with its working groups, and an open-hardware lab in a regional
network, told as the events their people would sign. Later capabilities extend the same story.

The people's keys are derived from their names, so the cast is the same on every run and a
user can act as any of them (`multitude --as ana …`) once the demo stored their identities.

The story is dated over the three weeks before it is loaded (its own clock, a minute per
event), so its assemblies can have closed by now while two proposals are still open to vote on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from multitude.demo.accounting import LAB_EQUATION_1, LAB_EQUATION_2, camp_donations, lab_season
from multitude.demo.assemblies import budget_round, camp_assembly, lab_vote, radio_name, still_open
from multitude.demo.clock import Dated, StoryClock
from multitude.keyring import Keyring
from multitude.ledger import Keypair
from multitude.node import Node

__all__ = ["CAST", "LAB_EQUATION_1", "LAB_EQUATION_2", "Person", "demo_key", "load_demo"]


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
    clock = StoryClock(now or datetime.now(UTC))
    dated = Dated(node, clock)

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
    lab_season(as_, keys, lab)
    say("donations shared by the camp")
    clock.day(3)
    camp_donations(as_, keys, ids)
    say("the camp's general assembly")
    camp_assembly(as_, keys, camp, clock)
    say("the lab votes on its value equation")
    lab_vote(as_, lab, clock)
    say("the camp's budget round and its polls")
    budget_round(as_, camp, clock)
    radio_name(as_, camp, clock)
    say("proposals still open")
    still_open(as_, keys, camp, clock)
    return ids
