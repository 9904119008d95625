"""Pseudonymisation at the door: personal values become HMAC-SHA256 digests under a secret key."""

from __future__ import annotations

import hmac
import re
import unicodedata

import polars as pl


def normalise_name(value: str) -> str:
    """Upper case, accents removed, anything but letters removed: `Lefèvre-Dupont` -> `LEFEVREDUPONT`."""
    text = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().upper()
    return re.sub(r"[^A-Z]", "", text)


def hmac_hex(key: str, message: str) -> str:
    return hmac.digest(key.encode("utf-8"), message.encode("utf-8"), "sha256").hex()


def _personne_message(nom: str, prenom: str, date_naissance_iso: str) -> str:
    return f"{normalise_name(nom)}|{normalise_name(prenom)}|{date_naissance_iso}"


def _parcours_message(facilitateur: str, id_participant: str) -> str:
    return f"parcours|{facilitateur}|{id_participant.strip().upper()}"


def personne_id(key: str, nom: str, prenom: str, date_naissance_iso: str) -> str:
    """The same person written differently by two facilitators gets the same id."""
    return hmac_hex(key, _personne_message(nom, prenom, date_naissance_iso))


def parcours_id(key: str, facilitateur: str, id_participant: str) -> str:
    """A facilitator's reference of a person, never kept in clear: the key of a path."""
    return hmac_hex(key, _parcours_message(facilitateur, id_participant))


def _hmac_column(messages: pl.Series, key: str) -> pl.Series:
    """HMAC of each value, computed once per distinct value (the hot spot of ingestion at scale)."""
    uniques = messages.drop_nulls().unique()
    digests = dict(zip(uniques.to_list(), (hmac_hex(key, m) for m in uniques.to_list())))
    return messages.replace_strict(digests, default=None, return_dtype=pl.String)


def _normalised(column: pl.Series) -> pl.Series:
    uniques = column.fill_null("").unique().to_list()
    return column.fill_null("").replace_strict({v: normalise_name(v) for v in uniques}, return_dtype=pl.String)


def add_parcours_id(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Replace (facilitateur, id_participant) by its pseudonym."""
    messages = frame.select(pl.when(pl.col("facilitateur").is_not_null() & pl.col("id_participant").is_not_null()).then(
        pl.concat_str(pl.lit("parcours"), "facilitateur", pl.col("id_participant").str.strip_chars().str.to_uppercase(),
                      separator="|"))).to_series()
    return frame.with_columns(_hmac_column(messages, key).alias("parcours_id")).drop("id_participant")


def add_personne_id(frame: pl.DataFrame, key: str) -> pl.DataFrame:
    """Build personne_id from nom, prenom, date_naissance, then drop nom and prenom."""
    messages = pl.DataFrame([_normalised(frame["nom"]), _normalised(frame["prenom"]),
                             frame["date_naissance"].dt.strftime("%Y-%m-%d").fill_null("")]).select(
        pl.concat_str(pl.all(), separator="|")).to_series()
    return frame.with_columns(_hmac_column(messages, key).alias("personne_id")).drop("nom", "prenom")
