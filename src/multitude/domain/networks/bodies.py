"""Bodies of the agent, network, membership and role events (schema version 1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from multitude.domain.governance.assembly import Assembly
from multitude.domain.schema import AgentRef, Body, EventId, Name, Note, Reason, RoleName, register

__all__ = [
    "BUILT_IN_ROLES",
    "Charter",
    "CharterAmended",
    "Currency",
    "DeviceLinked",
    "DeviceUnlinked",
    "Leavers",
    "MemberDecision",
    "MembershipRequested",
    "NetworkCreated",
    "Profile",
    "RoleChange",
    "Validation",
]

BUILT_IN_ROLES = ("custodian", "facilitator")

Skill = Annotated[str, StringConstraints(min_length=1, max_length=60)]
Link = Annotated[str, StringConstraints(min_length=1, max_length=500)]
Hex128 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{128}$")]


class Profile(Body):
    """agent.profile: an agent publishes or updates who they are."""

    v: Literal[1]
    kind: Literal["person", "organisation"]
    name: Name
    about: Note = ""
    skills: Annotated[tuple[Skill, ...], Field(max_length=50, strict=False)] = ()
    location: Annotated[str, StringConstraints(max_length=120)] = ""
    links: Annotated[tuple[Link, ...], Field(max_length=20, strict=False)] = ()


class DeviceLinked(Body):
    """agent.device_linked: the agent vouches for a device key; `proof` is the device's consent."""

    v: Literal[1]
    device: AgentRef
    label: Annotated[str, StringConstraints(max_length=60)] = ""
    proof: Hex128


class DeviceUnlinked(Body):
    """agent.device_unlinked: a device key (a lost phone) no longer speaks for the agent."""

    v: Literal[1]
    device: AgentRef
    reason: Note = ""


class Validation(Body):
    """Who must approve a contribution before it counts: nobody, N members other than the
    contributor, or N holders of a role."""

    policy: Literal["none", "peers", "role"] = "none"
    approvals: Annotated[int, Field(ge=1, le=20)] = 1
    role: RoleName | None = None

    @model_validator(mode="after")
    def _role_named(self) -> Validation:
        if (self.policy == "role") != (self.role is not None):
            raise ValueError("a role is named exactly when the policy is 'role'")
        return self


class Currency(Body):
    """A currency the network accounts in, and how many decimals its minor unit has."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9]{2,11}$")]
    decimals: Annotated[int, Field(ge=0, le=12)] = 2


class Leavers(Body):
    """What happens to the claims of a member who leaves (`left`) or is removed (`removed`):
    a good leaver keeps them; a bad leaver forfeits non-cash claims and keeps cash at face value."""

    left: Literal["good", "bad"] = "good"
    removed: Literal["good", "bad"] = "bad"


class Charter(Body):
    """A network's own rules: how members are admitted, which roles exist, how contributions
    are validated, which currencies it uses, what leavers keep, how its assembly decides."""

    membership: Literal["open", "approval", "invitation"]
    approver_role: RoleName = "custodian"
    roles: Annotated[tuple[RoleName, ...], Field(max_length=32, strict=False)] = ()
    validation: Validation = Validation()
    currencies: Annotated[tuple[Currency, ...], Field(max_length=16, strict=False)] = ()
    leavers: Leavers = Leavers()
    assembly: Assembly = Assembly()

    @field_validator("currencies")
    @classmethod
    def _distinct_currencies(cls, currencies: tuple[Currency, ...]) -> tuple[Currency, ...]:
        if len({c.code for c in currencies}) != len(currencies):
            raise ValueError("currencies must not repeat")
        return currencies

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(roles)) != len(roles):
            raise ValueError("roles must not repeat")
        return roles

    @model_validator(mode="after")
    def _roles_exist(self) -> Charter:
        if self.approver_role not in self.all_roles():
            raise ValueError(f"approver_role {self.approver_role!r} is not one of the charter's roles")
        if self.validation.role is not None and self.validation.role not in self.all_roles():
            raise ValueError(f"validation role {self.validation.role!r} is not one of the charter's roles")
        for role in self.assembly.role_weights:
            if role not in self.all_roles():
                raise ValueError(f"assembly role_weights: {role!r} is not one of the charter's roles")
        return self

    def all_roles(self) -> tuple[str, ...]:
        return BUILT_IN_ROLES + tuple(r for r in self.roles if r not in BUILT_IN_ROLES)


class NetworkCreated(Body):
    """network.created: a new network; its id is this event's id; the founder is its custodian."""

    v: Literal[1]
    name: Name
    purpose: Note = ""
    charter: Charter


class CharterAmended(Body):
    """network.charter_amended: a custodian changes the name, purpose or charter."""

    v: Literal[1]
    name: Name
    purpose: Note = ""
    charter: Charter


class MembershipRequested(Body):
    """membership.requested: the author (or a network the author keeps) asks to join."""

    v: Literal[1]
    on_behalf_of: EventId | None = None
    note: Note = ""


class MemberDecision(Body):
    """membership.invited, membership.approved, membership.left: about one member."""

    v: Literal[1]
    member: AgentRef
    reason: Note = ""


class RemovalOrDecline(Body):
    """membership.declined, membership.removed: about one member, always with a reason."""

    v: Literal[1]
    member: AgentRef
    reason: Reason


class RoleChange(Body):
    """role.granted / role.revoked."""

    v: Literal[1]
    member: AgentRef
    role: RoleName
    reason: Note = ""


def _on_behalf_of(body: MembershipRequested) -> tuple[str, ...]:
    return (body.on_behalf_of,) if body.on_behalf_of else ()


register("agent.profile", Profile, scoped=False)
register("agent.device_linked", DeviceLinked, scoped=False)
register("agent.device_unlinked", DeviceUnlinked, scoped=False)
register("network.created", NetworkCreated, scoped=False)
register("network.charter_amended", CharterAmended, scoped=True)
register("membership.requested", MembershipRequested, scoped=True, references=_on_behalf_of)
register("membership.invited", MemberDecision, scoped=True)
register("membership.approved", MemberDecision, scoped=True)
register("membership.declined", RemovalOrDecline, scoped=True)
register("membership.left", MemberDecision, scoped=True)
register("membership.removed", RemovalOrDecline, scoped=True)
register("role.granted", RoleChange, scoped=True)
register("role.revoked", RoleChange, scoped=True)
