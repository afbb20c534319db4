"""`yoshin certificates`: verify a card as any verifier would, rotate the signing key, and
measure issuing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from models.settings import get_settings

certificates_app = typer.Typer(help="Vaccination certificates (接種証明書, SMART Health Cards).",
                               no_args_is_help=True)
console = Console(soft_wrap=True)
"""Verification lines are read by scripts too: never wrapped mid-message."""


def _own_keys() -> tuple[list[dict[str, Any]], dict[str, dict[str, Any]]]:
    """This service's public keys and revocation lists, when it has a ledger here; a
    verify run never creates a database."""
    from sqlalchemy.exc import SQLAlchemyError

    from ledger.certificates.service import jwks, revocation_list
    from models.db import session_scope

    settings = get_settings()
    if settings.database_url is None and not (settings.resolved_home / "yoshin.db").exists():
        return [], {}
    try:
        with session_scope() as session:
            keys = jwks(session)["keys"]
            return keys, {k["kid"]: revocation_list(session, k["kid"]) for k in keys}
    except SQLAlchemyError:
        return [], {}


def _read_json(path: Path, what: str) -> Any:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as error:
        console.print(f"[red]cannot read {what} {path}: {error}[/red]")
        raise typer.Exit(2) from None


@certificates_app.command("verify")
def verify(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="PDF, photo or scan, .smart-health-card, JWS")],
    jwks: Annotated[Path | None, typer.Option(help="the issuer's JWKS (jwks.json)")] = None,
    crl: Annotated[list[Path] | None, typer.Option(help="a revocation list ([kid].json)")]
    = None,
) -> None:
    """Find the SMART Health Card, check its signature and revocation, print holder and doses;
    exit 1 when any check fails."""
    from ledger.certificates.verify import VerificationFailed, read_tokens
    from ledger.certificates.verify import verify as verify_card

    settings = get_settings()
    own_keys, crls = _own_keys()
    issuers: dict[str, list[dict[str, Any]]] = {}
    if own_keys:
        issuers[settings.issuer_url] = own_keys
    if settings.trusted_issuers_file is not None:
        for iss, keyset in _read_json(settings.trusted_issuers_file, "trusted issuers").items():
            issuers.setdefault(iss, []).extend(keyset["keys"])
    given_keys = _read_json(jwks, "JWKS")["keys"] if jwks else []
    for path in crl or []:
        listed = _read_json(path, "revocation list")
        crls[listed["kid"]] = listed
    try:
        tokens = read_tokens(file)
    except (VerificationFailed, ValueError) as failed:
        console.print(f"[red]NOT VALID[/red]: {failed}")
        raise typer.Exit(1) from None
    failures = 0
    for index, token in enumerate(tokens, start=1):
        trusted = dict(issuers)
        if given_keys:
            from ledger.certificates.verify import claimed_issuer

            try:
                trusted.setdefault(claimed_issuer(token), []).extend(given_keys)
            except VerificationFailed:
                pass
        try:
            card = verify_card(token, trusted, crls)
        except VerificationFailed as failed:
            console.print(f"card {index}: [red]NOT VALID[/red]: {failed}")
            failures += 1
            continue
        console.print(f"card {index}: [green]VALID[/green] — issuer {card.issuer}, key {card.kid},"
                      f" issued {card.issued:%Y-%m-%d %H:%M} UTC")
        console.print(f"  holder: {' / '.join(card.names)}, born {card.birth_date}")
        for dose in card.doses:
            console.print(f"  dose {dose.occurred}: CVX {dose.cvx}, lot {dose.lot_number or '-'},"
                          f" {dose.performer or '-'}")
        for note in card.notes:
            console.print(f"  [yellow]note[/yellow]: {note}")
    if failures:
        raise typer.Exit(1)


@certificates_app.command("rotate-key")
def rotate_key() -> None:
    """Start signing with a new key; the old public key stays in the JWKS."""
    from ledger.certificates.signing_keys import rotate
    from models.db import session_scope
    from models.migrate import upgrade

    upgrade()
    with session_scope() as session:
        kid = rotate(session, actor="cli").kid
    console.print(f"new signing key {kid}; older keys stay published for verification")


@certificates_app.command("bench")
def bench(count: Annotated[int, typer.Option(min=1, max=10_000)] = 100,
          database_url: Annotated[str | None, typer.Option(help="an empty PostgreSQL database")]
          = None) -> None:
    """Issue certificates of 4 doses through the API (in this process) and time them."""
    from yoshin.measure.certificate_bench import print_result, run

    print_result(run(count, database_url, console), console)
