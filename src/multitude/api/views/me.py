"""Signing up, logging in, and what a person sees first: their networks and what needs them."""

from __future__ import annotations

import json

from anyio import to_thread
from fastapi import Request, Response
from pydantic import BaseModel, Field

from multitude.api.context import COOKIE, hosting_of, node_of, throttle_of
from multitude.api.hosting import SESSION_DAYS, Caller, Issued
from multitude.api.problems import Conflict, Invalid, TooManyAttempts, Unauthenticated
from multitude.domain import InvalidBody, validate_body
from multitude.domain.accounting.rows import ContributionRow
from multitude.domain.governance.count import delegate_in_force
from multitude.domain.governance.rows import ProposalRow
from multitude.domain.networks.rules import charter_of, device_link_message
from multitude.domain.rules import holds, is_member
from multitude.domain.state import under
from multitude.ledger import Keypair
from multitude.node import Node
from multitude.store import AccountRow

__all__ = [
    "Attention",
    "AwaitedProposal",
    "MeOut",
    "MyNetwork",
    "OpenSession",
    "attention_of",
    "change_password",
    "clear_session",
    "close_session",
    "link_device",
    "log_in",
    "me_of",
    "sessions_of",
    "set_session",
    "sign_up",
]


class MyNetwork(BaseModel):
    network: str
    name: str
    purpose: str
    roles: list[str]


class PendingContribution(BaseModel):
    network: str
    network_name: str
    contribution: str
    contributor: str
    contributor_name: str
    action: str
    summary: str
    day: str


class JoinRequest(BaseModel):
    network: str
    network_name: str
    member: str
    member_name: str
    note: str


class AwaitedProposal(BaseModel):
    network: str
    network_name: str
    proposal: str
    title: str
    method: str
    closes: str
    delegate: str | None = Field(None, description="Whom this person's weight goes to unless they vote "
                                                  "themselves: their delegate in force for the proposal's topic.")
    delegate_name: str | None = None


class Attention(BaseModel):
    to_validate: list[PendingContribution]
    join_requests: list[JoinRequest]
    to_vote: list[AwaitedProposal] = Field(description="Open proposals of my networks I have not voted on, "
                                                       "the soonest deadline first.")
    to_close: list[AwaitedProposal] = Field(description="Proposals whose time is up that I may close.")


class MeOut(BaseModel):
    account: str
    agent: str
    name: str
    about: str
    skills: list[str]
    location: str
    networks: list[MyNetwork]
    attention: Attention


def _seed(secret: str | None) -> bytes | None:
    if not secret:
        return None
    try:
        seed = bytes.fromhex(secret.strip())
    except ValueError:
        raise Invalid("secret must be the identity's 32-byte seed in hex (64 hex digits)", "secret") from None
    if len(seed) != 32:
        raise Invalid("secret must be the identity's 32-byte seed in hex (64 hex digits)", "secret")
    return seed


async def sign_up(request: Request, name: str, password: str, display_name: str = "",
                  secret: str | None = None) -> tuple[AccountRow, Keypair]:
    """A new hosted account. With `secret`, the person brings an identity they hold elsewhere:
    the account gets a key of its own, which the identity links as its device (one event signed
    with the secret, which is then forgotten), so the account acts as that identity without the
    node ever signing on the identity's own chain again."""
    hosting = hosting_of(request)
    hosting.check_new(name, password)
    seed = _seed(secret)
    if hosting.account(name) is not None:  # said before the slow hashing, and checked again when adding
        raise Conflict(f"the name {name!r} is taken", "name")
    shown = display_name.strip() or name
    try:  # the profile is checked before anything is stored, so a refused one leaves no account
        validate_body("agent.profile", {"v": 1, "kind": "person", "name": shown}, None)
    except InvalidBody as error:
        raise Invalid(str(error).replace("body.name", "display_name"), "display_name") from None
    identity = Keypair(seed) if seed is not None else None
    row, key = await to_thread.run_sync(hosting.new_account, name, password,
                                        identity.public if identity else None)
    node = node_of(request)
    if identity is not None:
        if node.projector.state.devices.get((identity.public,)) is not None:
            raise Invalid("this key is a device of another identity; bring the identity's own key", "secret")
        if hosting.store.account_of(identity.public) is not None:
            raise Conflict("this identity already has an account here", "secret")
        link_device(node, identity, key, "web node")
    hosting.add(row)
    speaking = node.speaking_as(key)
    if identity is None or display_name or (identity.public,) not in node.projector.state.agents:
        speaking.publish_profile("person", shown)
    return row, key


def link_device(node: Node, identity: Keypair, device: Keypair, label: str) -> None:
    """`identity` links `device` as one of its keys: it signs the link on top of its chain as
    this node holds it."""
    proof = device.sign(device_link_message(identity.public)).hex()
    node.speaking_as(identity).link_device(device.public, proof, label)


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def log_in(request: Request, name: str, password: str) -> Issued:
    """A new session, when the password is right and the account is not being guessed at."""
    throttle = throttle_of(request)
    hosting = hosting_of(request)
    row = hosting.account(name)
    # Names no account has share one count, so made-up names cannot fill the throttle's memory.
    keys = (f"name:{row.name if row else '?'}", f"address:{_client(request)}")
    stamp = throttle.start(*keys)
    if stamp is None:
        wait = throttle.wait(*keys)
        raise TooManyAttempts(f"too many failed logins; try again in {wait} seconds", wait)
    key = await to_thread.run_sync(hosting.unlock, row, password)
    throttle.succeeded(stamp, *keys)
    assert row is not None
    return hosting.issue(row.name, key, "session", request.headers.get("user-agent", "")[:120])


async def change_password(request: Request, caller: Caller, current: str, new: str) -> None:
    """A new password, when the current one is right (guessing it is throttled like logins);
    every other session and token of the account ends."""
    throttle = throttle_of(request)
    hosting = hosting_of(request)
    keys = (f"name:{caller.account}", f"address:{_client(request)}")
    stamp = throttle.start(*keys)
    if stamp is None:
        wait = throttle.wait(*keys)
        raise TooManyAttempts(f"too many wrong passwords; try again in {wait} seconds", wait)
    try:
        key = await to_thread.run_sync(hosting.unlock, hosting.account(caller.account), current)
    except Unauthenticated:
        raise Invalid("the current password is wrong", "current_password") from None
    throttle.succeeded(stamp, *keys)
    password_hash, sealed_key = await to_thread.run_sync(hosting.resealed, new, key)
    hosting.change_password(caller.account, password_hash, sealed_key, keep=caller.digest)


class OpenSession(BaseModel):
    id: str
    label: str  # the browser it was opened from
    created: str
    expires: str
    current: bool  # the session this request came with


def sessions_of(request: Request, caller: Caller) -> list[OpenSession]:
    """The account's open sessions, oldest first."""
    return [OpenSession(id=row.digest[:16], label=row.label, created=row.created, expires=row.expires,
                       current=row.digest == caller.digest)
            for row in hosting_of(request).credentials(caller.account) if row.kind == "session"]


def close_session(request: Request, caller: Caller, session_id: str) -> bool:
    """End one of the account's sessions by its id; False when it has none such."""
    hosting = hosting_of(request)
    found = [row.digest for row in hosting.credentials(caller.account)
             if row.kind == "session" and row.digest[:16] == session_id]
    return bool(found) and hosting.revoke(caller.account, found[0])


def set_session(request: Request, response: Response, issued: Issued) -> None:
    response.set_cookie(COOKIE, issued.secret, max_age=SESSION_DAYS * 86400, httponly=True, samesite="lax",
                        secure=bool(request.app.state.secure_cookies), path="/")


def clear_session(request: Request, response: Response, caller: Caller) -> None:
    hosting_of(request).revoke(caller.account, caller.digest)
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=bool(request.app.state.secure_cookies))


def attention_of(node: Node, agent: str) -> Attention:
    """Contributions waiting for this person's verdict, join requests they may decide, and the
    proposals waiting for their vote or for them to close."""
    state = node.projector.state
    to_validate: list[PendingContribution] = []
    requests: list[JoinRequest] = []
    for network in node.networks():
        net = network.network
        if not is_member(state, net, agent):
            continue
        validation = charter_of(network).validation
        may_validate = validation.policy == "peers" or (
            validation.policy == "role" and holds(state, net, agent, validation.role or ""))
        for row in node.projector.select("contributions", network=net, status="pending") if may_validate else ():
            if row.contributor == agent or state.verdicts.get((net, row.contribution, agent)) is not None:
                continue
            to_validate.append(PendingContribution(
                network=net, network_name=network.name, contribution=row.contribution, contributor=row.contributor,
                contributor_name=node.name_of(row.contributor), action=row.action, summary=summary_of(row),
                day=row.day))
        if holds(state, net, agent, network.approver_role):
            for membership in under(state.memberships, net):
                if membership.status == "requested":
                    requests.append(JoinRequest(network=net, network_name=network.name, member=membership.member,
                                                member_name=node.name_of(membership.member), note=membership.reason))
    to_validate.sort(key=lambda item: (item.day, item.contribution))
    to_vote, to_close = node.awaiting(agent)
    return Attention(to_validate=to_validate, join_requests=requests,
                     to_vote=[_awaited(node, row, agent) for row in to_vote],
                     to_close=[_awaited(node, row, None) for row in to_close])


def _awaited(node: Node, row: ProposalRow, voter: str | None) -> AwaitedProposal:
    delegate = delegate_in_force(node.projector.state, row, voter) if voter else None
    return AwaitedProposal(network=row.network, network_name=node.name_of(row.network), proposal=row.proposal,
                           title=row.title, method=row.method, closes=row.closes, delegate=delegate,
                           delegate_name=node.name_of(delegate) if delegate else None)


def summary_of(row: ContributionRow) -> str:
    """A contribution in a few words: '2h work', 'cite 10%', '3 use', 'transfer worth 40'."""
    if row.hours_micro:
        return f"{row.hours}h {row.action}"
    if row.percent:
        return f"{row.action} {row.percent}%"
    if row.quantity:
        return f"{row.quantity} {row.action}"
    return f"{row.action} worth {row.value}"


def me_of(node: Node, caller: Caller) -> MeOut:
    speaking = node.speaking_as(caller.key)
    agent = speaking.agent
    state = node.projector.state
    profile = state.agents.get((agent,))
    mine = [MyNetwork(network=row.network, name=row.name, purpose=row.purpose,
                      roles=list(node.roles(row.network, agent)))
            for row in node.networks() if is_member(state, row.network, agent)]
    return MeOut(
        account=caller.account, agent=agent, name=node.name_of(agent) if profile else caller.account,
        about=profile.about if profile else "", skills=json.loads(profile.skills) if profile else [],
        location=profile.location if profile else "", networks=mine, attention=attention_of(node, agent),
    )
