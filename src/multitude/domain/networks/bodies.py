"""Bodies of the agent, network, membership and role events (schema version 1)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from multitude.domain.schema import AgentRef, Body, EventId, Name, Note, Reason, RoleName, register

__all__ = [
    "BUILT_IN_ROLES",
    "Charter",
    "CharterAmended",
    "DeviceLinked",
    "DeviceUnlinked",
    "MemberDecision",
    "MembershipRequested",
    "NetworkCreated",
    "Profile",
    "RoleChange",
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


class Charter(Body):
    """A network's own rules: how members are admitted, which roles exist."""

    membership: Literal["open", "approval", "invitation"]
    approver_role: RoleName = "custodian"
    roles: Annotated[tuple[RoleName, ...], Field(max_length=32, strict=False)] = ()

    @field_validator("roles")
    @classmethod
    def _distinct(cls, roles: tuple[str, ...]) -> tuple[str, ...]:
        if len(set(roles)) != len(roles):
            raise ValueError("roles must not repeat")
        return roles

    @model_validator(mode="after")
    def _approver_exists(self) -> Charter:
        if self.approver_role not in self.all_roles():
            raise ValueError(f"approver_role {self.approver_role!r} is not one of the charter's roles")
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
