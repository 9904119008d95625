"""DECP open data (données essentielles de la commande publique) into canonical contract rows.

v1 (2019 arrêtés) and v2 (from 2024), JSON and XML, detected by content. Real files mix the nested
(`{"titulaire": {...}}`, `{"considerationSociale": [...]}`) and flat list forms: `_items` reads both.
Every record comes out either as a row (validated afterwards like any contract) or set aside with a
reason (a concession, or a record that is not an object at all).
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from typing import Any

import ftfy
import polars as pl
from defusedxml import ElementTree

from pipeline.extracts.raw import LINE_COLUMN, FileRejected, RawTable
from pipeline.ingest.limits import DEFAULT, check_tree
from pipeline.settings import Limits

ROOT_KEY = "marches"  # the DECP file's own top-level key (v1 and v2)
CONTRACT_TAGS = ("marche", "marches")
CONCESSION_TAGS = ("contrat-concession", "contrats-concession")
COLUMNS = (
    "id_marche",
    "objet",
    "cpv",
    "procedure",
    "date_notification",
    "duree_mois",
    "montant_ht",
    "titulaire_siret",
    "titulaire_nom",
    "titulaire_id",
    "titulaire_type_id",
    "commune_execution",
    "clause_insertion",
    "critere_social",
    "marche_reserve",
    "clause_environnementale",
    "critere_environnemental",
    "acheteur_siret",
    "acheteur_nom",
)


# Canonical column -> the DECP field it comes from: what a publisher reads in a returns workbook.
DECP_FIELDS = {
    "id_marche": "id", "objet": "objet", "cpv": "codeCPV", "procedure": "procedure",
    "date_notification": "dateNotification", "duree_mois": "dureeMois", "montant_ht": "montant",
    "titulaire_siret": "titulaires", "titulaire_nom": "titulaires", "commune_execution": "lieuExecution",
    "clause_insertion": "considerationsSociales", "critere_social": "considerationsSociales",
    "marche_reserve": "considerationsSociales", "acheteur_siret": "acheteur",
    "acheteur_nom": "acheteur",
    "clause_environnementale": "considerationsEnvironnementales",
    "critere_environnemental": "considerationsEnvironnementales",
}  # fmt: skip
HOLDER_COLUMNS = ("titulaire_siret", "titulaire_nom", "titulaire_id", "titulaire_type_id")
MODIFICATION = pl.Struct(
    {"position": pl.Int64, **{c: pl.String for c in ("id", "date", "montant", "duree_mois", *HOLDER_COLUMNS)}}
)


def read_decp(data: bytes, fmt: str, limits: Limits = DEFAULT) -> RawTable:
    try:
        root = _parse_json(data) if fmt == "json" else _parse_xml(data)
    except RecursionError as exc:  # the parsers' own recursion, before check_tree can see the depth
        raise FileRejected(f"imbrication de plus de {limits.depth} niveaux : fichier refusé") from exc
    check_tree(root, limits)
    records = _records(root)
    if not records:
        raise FileRejected("fichier DECP sans aucun marché ni contrat de concession")
    rows, set_aside = [], []
    for number, (tag, record) in enumerate(records, start=1):
        if not isinstance(record, dict):
            set_aside.append((number, None, "ENREGISTREMENT_ILLISIBLE", _short(record)))
        elif tag in CONCESSION_TAGS or _is_concession(record):
            set_aside.append((number, "_type", "CONCESSION", _text(record.get("id"))))
        else:
            rows.append({LINE_COLUMN: number, **_contract(record)})
    frame = pl.DataFrame(
        rows,
        schema={
            LINE_COLUMN: pl.Int64,
            **{c: pl.String for c in COLUMNS},
            "date_estimee": pl.Boolean,
            "modifications": pl.List(MODIFICATION),
        },
    )
    frame = _prefix_shared_ids(frame).with_columns(pl.lit("DECP").alias("source"))
    aside = pl.DataFrame(
        set_aside,
        schema={LINE_COLUMN: pl.Int64, "colonne": pl.String, "regle": pl.String, "valeur": pl.String},
        orient="row",
    )
    return RawTable(frame=frame, format=fmt, encoding="utf-8", set_aside=aside, headers=DECP_FIELDS)


def _parse_json(data: bytes) -> Any:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # a file re-saved on Windows
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"JSON illisible, ligne {exc.lineno} colonne {exc.colno} : {exc.msg}") from exc


def _parse_xml(data: bytes) -> Any:
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError:
        # Declared UTF-8 but written in Windows-1252: decode it ourselves, drop the declaration.
        text = re.sub(r"^\s*<\?xml[^>]*\?>", "", data.decode("cp1252", errors="replace"))
        try:
            root = ElementTree.fromstring(text)
        except ElementTree.ParseError as exc:
            raise FileRejected(f"XML illisible : {exc}") from exc
    except Exception as exc:  # defusedxml refuses entity expansion and external references
        raise FileRejected(f"XML refusé : {exc.__class__.__name__}") from exc
    return {_local(root.tag): _xml_value(root)}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_value(element) -> Any:
    """An element as JSON would have it: text for a leaf, a dict of children (lists when repeated)."""
    children = list(element)
    if not children:
        return (element.text or "").strip() or None
    grouped: dict[str, list] = {}
    for child in children:
        grouped.setdefault(_local(child.tag), []).append(_xml_value(child))
    return {name: values[0] if len(values) == 1 else values for name, values in grouped.items()}


def _records(root: Any) -> list[tuple[str, Any]]:
    """(tag, record) in file order, from every form of the file."""
    if isinstance(root, dict) and len(root) == 1 and ROOT_KEY not in root:
        root = next(iter(root.values()))  # an XML root named otherwise, or a wrapper object
    body = root.get(ROOT_KEY, root) if isinstance(root, dict) else root
    if isinstance(body, list):  # v1: one list, `_type` says which
        return [("", r) for r in body]
    if isinstance(body, dict):  # v2 and XML: lists by tag
        out = []
        for tag in (*CONTRACT_TAGS, *CONCESSION_TAGS):
            out.extend((tag, r) for r in _as_list(body.get(tag)))
        return out
    raise FileRejected("fichier JSON sans liste « marches » : ce n'est pas un fichier DECP")


def _as_list(value: Any) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _items(value: Any, child: str) -> list:
    """`[x, ...]`, `[{child: x}, ...]`, `{child: [x, ...]}`, `{child: x}` or `x` -> `[x, ...]`."""
    if isinstance(value, dict) and set(value) == {child}:
        value = value[child]
    out = []
    for item in _as_list(value):
        if isinstance(item, dict) and set(item) == {child}:
            out.extend(_as_list(item[child]))
        else:
            out.append(item)
    return out


def _is_concession(record: dict) -> bool:
    kind = _plain(record.get("_type"))
    return "concession" in kind or ("concessionnaires" in record and "titulaires" not in record)


# The DECP v2 labels of social and environmental considerations, as the official schema spells them.
CLAUSE_SOCIALE, CRITERE_SOCIAL, MARCHE_RESERVE = "Clause sociale", "Critère social", "Marché réservé"
CLAUSE_ENVIRONNEMENTALE, CRITERE_ENVIRONNEMENTAL = "Clause environnementale", "Critère environnemental"


def _plain(value: Any) -> str:
    """Lower case, no accents, for matching labels written in every way."""
    text = unicodedata.normalize("NFKD", _text(value) or "")
    return "".join(c for c in text if not unicodedata.combining(c)).lower().strip()


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    if text.isascii() and text.isprintable() and "&" not in text:
        return text or None  # nothing ftfy would change (no accent, control character nor entity): 2x faster
    return _fixed(text)


@functools.lru_cache(maxsize=1 << 16)
def _fixed(text: str) -> str:
    """ftfy's repair, once per distinct text: a file repeats its buyers, places and procedures (the 1x DECP file
    sends ftfy 10,600 values, 3,000 distinct)."""
    return ftfy.fix_text(text)


def _short(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)[:200]


def _cpv(value: Any) -> str | None:
    code = _text(value)
    # A CPV code stored as a number loses its leading zero (`9132100` for 09132100).
    return "0" + code if code and re.fullmatch(r"\d{7}(-\d)?", code) else code


def _commune(place: dict) -> str | None:
    """An INSEE commune code, when the place is one (departments, postcodes and countries are not)."""
    code = _text(place.get("code"))
    is_commune = "commune" in _plain(place.get("typeCode"))
    return code if is_commune and code and re.fullmatch(r"(\d{2}|2A|2B)\d{3}", code.upper()) else None


def _holder(titulaires: Any) -> dict[str, str | None]:
    """The first holder of a list, as the four titulaire_* columns (a SIRET only when typed SIRET)."""
    holders = [t for t in _items(titulaires, "titulaire") if isinstance(t, dict)]
    holder = holders[0] if holders else {}
    holder_type = (_text(holder.get("typeIdentifiant")) or "").upper().replace(" ", "_") or None
    holder_id = _text(holder.get("id"))
    return {
        "titulaire_siret": re.sub(r"\s", "", holder_id) if holder_id and holder_type == "SIRET" else None,
        "titulaire_nom": _text(holder.get("denominationSociale")),
        "titulaire_id": holder_id,
        "titulaire_type_id": holder_type,
    }


def _months(value: Any) -> str | None:
    """A duration in whole months from 1 to 240, or nothing ("NC", 0, 999 are left empty: docs/indicateurs.md)."""
    text = _text(value)
    return text if text and text.isdigit() and 1 <= int(text) <= 240 else None


def _modifications(record: dict) -> list[dict[str, Any]]:
    """Amendments (v1 list, v2 `{"modification": ...}`), each with what it sets; applied in validation, which
    knows the as-of date (pipeline/extracts/kinds.py)."""
    out = []
    for position, item in enumerate(_items(record.get("modifications"), "modification"), start=1):
        if not isinstance(item, dict):
            continue
        date = item.get("dateNotificationModification") or item.get("dateSignatureModification")
        holder = _holder(item["titulaires"]) if item.get("titulaires") else dict.fromkeys(HOLDER_COLUMNS)
        sets = {"montant": _text(item.get("montant")), "duree_mois": _months(item.get("dureeMois")), **holder}
        out.append({"position": position, "id": _text(item.get("id")), "date": _text(date), **sets})
    return out


def _contract(record: dict) -> dict[str, Any]:
    place = record.get("lieuExecution") if isinstance(record.get("lieuExecution"), dict) else {}
    buyer = record.get("acheteur") if isinstance(record.get("acheteur"), dict) else {}
    notified = _text(record.get("dateNotification"))
    published = _text(record.get("datePublicationDonnees"))
    row = {
        "id_marche": _text(record.get("id")),
        "objet": _text(record.get("objet")),
        "cpv": _cpv(record.get("codeCPV")),
        "procedure": _text(record.get("procedure")),
        "date_notification": notified or published,
        "date_estimee": notified is None and published is not None,
        "duree_mois": _months(record.get("dureeMois")),
        "montant_ht": _text(record.get("montant")),
        **_holder(record.get("titulaires")),
        "commune_execution": _commune(place),
        "acheteur_siret": _text(buyer.get("id")),
        "acheteur_nom": _text(buyer.get("nom")),  # v1 names its buyer; v2 gives the id alone
        "clause_insertion": None,
        "critere_social": None,
        "marche_reserve": None,
        "clause_environnementale": None,
        "critere_environnemental": None,
        "modifications": _modifications(record),
    }
    if "considerationsSociales" in record:  # v2 only; v1 says nothing, so the three stay unknown
        considerations = {_plain(c) for c in _items(record["considerationsSociales"], "considerationSociale")}
        row["clause_insertion"] = "oui" if _plain(CLAUSE_SOCIALE) in considerations else "non"
        row["critere_social"] = "oui" if _plain(CRITERE_SOCIAL) in considerations else "non"
        row["marche_reserve"] = "RESERVE_NON_PRECISE" if _plain(MARCHE_RESERVE) in considerations else "NON"
    if "considerationsEnvironnementales" in record:  # v2 only, as the social ones
        green = {_plain(c) for c in _items(record["considerationsEnvironnementales"], "considerationEnvironnementale")}
        row["clause_environnementale"] = "oui" if _plain(CLAUSE_ENVIRONNEMENTALE) in green else "non"
        row["critere_environnemental"] = "oui" if _plain(CRITERE_ENVIRONNEMENTAL) in green else "non"
    return row


def _prefix_shared_ids(frame: pl.DataFrame) -> pl.DataFrame:
    """A DECP id is unique per buyer only: when two buyers of the file share one, prefix it with the buyer."""
    shared = pl.col("acheteur_siret").n_unique().over("id_marche") > 1
    return frame.with_columns(
        pl.when(shared & pl.col("acheteur_siret").is_not_null() & pl.col("id_marche").is_not_null())
        .then(pl.col("acheteur_siret") + "-" + pl.col("id_marche"))
        .otherwise(pl.col("id_marche"))
        .alias("id_marche")
    )
