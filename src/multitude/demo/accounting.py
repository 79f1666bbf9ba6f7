"""The demo's accounting: the lab's equations and season of contributions, the camp's donations."""

from __future__ import annotations

from collections.abc import Callable

from multitude.ledger import Keypair
from multitude.node import Node

__all__ = ["CAMP_EQUATION", "KITCHEN_EQUATION", "LAB_EQUATION_1", "LAB_EQUATION_2", "camp_donations", "lab_season"]


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


def lab_season(as_: Callable[[str], Node], keys: dict[str, Keypair], lab: str) -> None:
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


def camp_donations(as_: Callable[[str], Node], keys: dict[str, Keypair], ids: dict[str, str]) -> None:
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
