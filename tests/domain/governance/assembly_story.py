"""A Ledger that also speaks assemblies: networks with an assembly charter, proposals, votes,
delegations and closes signed with the outcome the log gives at the moment of closing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from story import Ledger, fold

from multitude.domain import State
from multitude.domain.governance.rules import closing_body
from multitude.ledger import Event, Keypair
from multitude.ledger.event import event_time


class Assembly(Ledger):
    def assembly(self, key: Keypair, name: str, assembly: dict[str, Any] | None = None, *,
                 roles: tuple[str, ...] = (), membership: str = "open", currencies: tuple[str, ...] = ("EUR",)) -> str:
        charter: dict[str, Any] = {"membership": membership, "roles": list(roles),
                                   "currencies": [{"code": c, "decimals": 2} for c in currencies]}
        if assembly is not None:
            charter["assembly"] = assembly
        return self.sign(key, "network.created", name=name, charter=charter).id

    def propose(self, key: Keypair, network: str, method: str, *, minutes: int = 30, title: str = "Proposal",
                **fields: Any) -> Event:
        """Open a proposal that closes `minutes` after now on the story's clock."""
        closes = event_time(self.clock + timedelta(minutes=minutes))
        return self.sign(key, "proposal.opened", network, title=title, method=method, closes=closes, **fields)

    def vote(self, key: Keypair, network: str, proposal: str, reason: str = "", **ballot: Any) -> Event:
        extra = {"reason": reason} if reason else {}
        return self.sign(key, "vote.cast", network, proposal=proposal, ballot=ballot, **extra)

    def delegate(self, key: Keypair, network: str, to: Keypair, topic: str | None = None) -> Event:
        return self.sign(key, "delegation.set", network, delegate=to.public, **({"topic": topic} if topic else {}))

    def wait(self, minutes: int = 60) -> None:
        self.clock += timedelta(minutes=minutes)

    def close(self, key: Keypair, network: str, proposal: str, **override: Any) -> Event:
        """Close with the outcome as the log stands (fields in `override` replace it: tampering)."""
        state, _ = fold(self.events)
        body = closing_body(state, proposal, event_time(self.clock + timedelta(minutes=1)))
        body.pop("v")
        return self.sign(key, "proposal.closed", network, **{**body, **override})

    def state(self) -> tuple[State, dict[str, str]]:
        return fold(self.events)
