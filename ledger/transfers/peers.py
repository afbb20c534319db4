"""The municipalities this city exchanges vaccination records with.

Each peer gets an account of role `peer` whose API token it presents when it asks us; the
token it gave us for asking it is kept encrypted (AES-GCM under a key derived from the
city's secret key), since it must be sent again and so cannot be hashed.
"""

from __future__ import annotations

import ipaddress
import os
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.users import replace_tokens
from ledger.kit.identifiers import is_valid_local_government_code
from models import Peer, Role, User, audit
from models.keys import derived_key
from models.settings import get_settings

_NONCE = 12
_PURPOSE = b"peer-token"


class PeerRefused(Exception):
    pass


def _is_loopback(host: str) -> bool:
    """An address that never leaves this machine: `localhost` or a loopback IP literal
    (127.0.0.0/8, ::1); any other name could resolve anywhere."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _url_problem(url: str, *, sending: bool) -> str:
    """Why records may not be asked for at `url`, or "" when they may.

    Queries carry a My Number and answers health data, so they go over https only. Plain
    http is for two instances on one machine (tests, a demonstration): only to a loopback
    address, and when sending only while `peer_allow_loopback_http` is set, so that a peer
    configured for a test never receives a real query in the clear."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return f"{url!r} is not a valid address"
    if not host or parts.username is not None or parts.password is not None:
        return f"{url!r} is not an https address of a host"
    if parts.scheme == "https":
        return ""
    if parts.scheme != "http" or not _is_loopback(host):
        return f"{url} is not an https address (plain http only to a loopback address)"
    if sending and not get_settings().peer_allow_loopback_http:
        return (f"{url} is plain http; set YOSHIN_PEER_ALLOW_LOOPBACK_HTTP=true to allow it "
                "to a loopback address, or use https")
    return ""


def check_peer_url(peer: Peer) -> None:
    """PeerRefused unless a query may be sent to the peer's address now (see _url_problem)."""
    if problem := _url_problem(peer.url, sending=True):
        raise PeerRefused(f"municipality {peer.code} is not asked: {problem}")


def _encrypt(token: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(derived_key("peer-token")).encrypt(nonce, token.encode(), _PURPOSE)


def outbound_token(peer: Peer) -> str:
    if peer.outbound_token_encrypted is None:
        raise PeerRefused(f"no token is configured for asking municipality {peer.code}")
    blob = peer.outbound_token_encrypted
    return AESGCM(derived_key("peer-token")).decrypt(blob[:_NONCE], blob[_NONCE:],
                                                     _PURPOSE).decode()


def add_peer(session: Session, *, code: str, url: str, name: str = "",
             outbound: str | None = None, inbound: str | None = None, actor: str) -> str:
    """Configure (or reconfigure) a peer; returns the token it must present to us, which is
    shown once and kept only hashed."""
    if not is_valid_local_government_code(code):
        raise PeerRefused(f"{code} is not a valid 自治体コード (6 digits with check digit)")
    if problem := _url_problem(url, sending=False):
        raise PeerRefused(problem)
    peer = session.scalar(select(Peer).where(Peer.code == code))
    if peer is None:
        user = User(username=f"peer-{code}", display_name=name or code, role=Role.PEER)
        session.add(user)
        peer = Peer(code=code, user=user, url=url)
        session.add(peer)
    peer.url, peer.name = url.rstrip("/"), name or peer.name
    peer.user.active = True
    if outbound is not None:
        peer.outbound_token_encrypted = _encrypt(outbound)
    token = replace_tokens(peer.user, f"peer {code}", inbound)
    audit.record(session, actor=actor, action="peer.configure", subject=f"peer:{code}",
                 detail={"url": peer.url})
    return token


def peer_by_code(session: Session, code: str) -> Peer:
    peer = session.scalar(select(Peer).where(Peer.code == code))
    if peer is None:
        raise PeerRefused(f"municipality {code} is not configured as a peer")
    return peer
