"""E-mail alerts to the people who run the warehouse (docs/exploitation.md): a run that failed, and what a run
set aside, per sender. Plain French text, no personal value (counts and paths only). A message that cannot be sent is
logged, never raised: an alert never fails a run."""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from email.message import EmailMessage

from pipeline import french
from pipeline.settings import Settings
from pipeline.warehouse.database import connect

log = logging.getLogger(__name__)
SUBJECT = "[clause sociale]"


def failure(settings: Settings, reason: str, run_id: str, trigger: str) -> EmailMessage:
    body = (
        f"Le passage du {dt.datetime.now():%d/%m/%Y à %H:%M} (déclenché par : {trigger}) a échoué.\n\n"
        f"Raison : {reason}\n"
        f"Run Dagster : {run_id or 'non enregistré'}\n"
        f"Journal : {settings.warehouse_dir / 'dernier_passage.log'} (et l'interface `clauses ui`)\n\n"
        "L'entrepôt publié et les exports sont ceux du passage précédent : rien n'a été remplacé.\n"
    )
    return _message(settings, f"{SUBJECT} échec du passage", body)


def set_aside(settings: Settings) -> EmailMessage | None:
    """Per sender, the files rejected and the rows quarantined or held; None when there is none."""
    if not settings.published_db.exists():
        return None
    with connect(settings.published_db, read_only=True) as con:
        rows = con.execute(
            "select expediteur, count(*) filter (where statut = 'REJETE'), sum(lignes_quarantaine), "
            "sum(lignes_en_attente) from qualite.qualite_fichiers group by 1 "
            "having count(*) filter (where statut = 'REJETE') + sum(lignes_quarantaine) + sum(lignes_en_attente) > 0 "
            "order by 1"
        ).fetchall()
    if not rows:
        return None
    folder = settings.export_dir / "latest" / "retours"
    n = french.format_number
    lines = [
        f"- {sender} : {n(rejected)} fichier(s) rejeté(s), {n(quarantined)} ligne(s) en "
        f"quarantaine, {n(held)} en attente ; retours : "
        f"{folder / f'retours_{sender}_{settings.as_of.isoformat()}.xlsx'}"
        for sender, rejected, quarantined, held in rows
    ]
    body = (f"Le passage arrêté au {settings.as_of:%d/%m/%Y} a été publié. Des fichiers ou des lignes ont été mis "
            "de côté :\n\n" + "\n".join(lines) + "\n\nChaque expéditeur trouve dans son classeur de retours la ligne, "
            "la colonne et ce qu'il faut corriger.\n")  # fmt: skip
    return _message(settings, f"{SUBJECT} lignes à corriger ({settings.as_of:%d/%m/%Y})", body)


def _message(settings: Settings, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = settings.mail.sender
    message["To"] = ", ".join(settings.mail.recipients)
    message.set_content(body)
    return message


def send(settings: Settings, message: EmailMessage | None) -> bool:
    """Send if alerts are set up; True when sent. Any failure is logged and swallowed."""
    mail = settings.mail
    if message is None or not mail.recipients:
        return False
    try:
        with smtplib.SMTP(mail.host, mail.port, timeout=20) as smtp:
            if mail.user:
                smtp.starttls()
                smtp.login(mail.user, mail.password)
            smtp.send_message(message)
        return True
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("alerte non envoyée à %s via %s:%s : %s", ", ".join(mail.recipients), mail.host, mail.port, exc)
        return False


def after_run(settings: Settings, success: bool, reason: str | None, run_id: str, trigger: str) -> bool:
    """What a finished run tells IT: its failure, or what it set aside."""
    if not success:
        return send(settings, failure(settings, reason or "inconnue", run_id, trigger))
    return send(settings, set_aside(settings))
