"""The municipalities this city exchanges vaccination records with.

Each peer gets an account of role `peer` whose API token it presents when it asks us; the
token it gave us for asking it is kept encrypted (AES-GCM under a key derived from the
city's secret key), since it must be sent again and so cannot be hashed.
"""

from __future__ import annotations

import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.identifiers import is_valid_local_government_code
from models import Peer, Role, User, audit
from models.keys import derived_key
from models.users import replace_tokens

_NONCE = 12
_PURPOSE = b"peer-token"


class PeerRefused(Exception):
    pass


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
    if not url.startswith(("http://", "https://")):
        raise PeerRefused(f"{url} is not an http(s) address")
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
