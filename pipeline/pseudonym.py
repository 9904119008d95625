"""Pseudonymisation at the door: personal values become HMAC-SHA256 digests under a secret key."""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

import polars as pl


def normalise_name(value: str) -> str:
    """Upper case, accents removed, anything but letters removed: `Lefèvre-Dupont` -> `LEFEVREDUPONT`."""
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z]", "", text)


def hmac_hex(key: str, message: str) -> str:
    return hmac.new(key.encode("utf-8"), message.encode("utf-8"), hashlib.sha256).hexdigest()


def personne_id(key: str, nom: str, prenom: str, date_naissance_iso: str) -> str:
    """The same person written differently by two facilitators gets the same id."""
    return hmac_hex(key, f"{normalise_name(nom)}|{normalise_name(prenom)}|{date_naissance_iso}")


def parcours_id(key: str, facilitateur: str, id_participant: str) -> str:
    """A facilitator's reference of a person, never kept in clear: the key of a path."""
    return hmac_hex(key, f"parcours|{facilitateur}|{id_participant.strip().upper()}")


def add_parcours_id(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Replace (facilitateur, id_participant) by its pseudonym, computed once per distinct pair."""
    pairs = frame.select("facilitateur", "id_participant").unique().drop_nulls()
    pairs = pairs.with_columns(
        pl.Series("parcours_id", [parcours_id(key, f, i) for f, i in pairs.iter_rows()], dtype=pl.String)
    )
    return frame.join(pairs, on=["facilitateur", "id_participant"], how="left", nulls_equal=True).drop("id_participant")


def add_personne_id(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Build personne_id from nom, prenom, date_naissance, then drop those three."""
    ids = [
        personne_id(key, n or "", p or "", d.isoformat() if d else "")
        for n, p, d in frame.select("nom", "prenom", "date_naissance").iter_rows()
    ]
    return frame.with_columns(pl.Series("personne_id", ids, dtype=pl.String)).drop("nom", "prenom")
