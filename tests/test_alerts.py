"""The feedback to senders: e-mail alerts, received by a local SMTP server that the tests start themselves."""

from __future__ import annotations

import dataclasses
import logging
import socket

import pytest
from aiosmtpd.controller import Controller
from conftest import AS_OF

from pipeline.exports import alerts
from pipeline.settings import Mail


class Inbox:
    def __init__(self):
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's handler name
        self.messages.append(envelope.content.decode("utf-8", errors="replace"))
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _with_mail(settings, port: int):
    mail = Mail(("dsi@example.fr",), "127.0.0.1", port, "", "", "clauses@example.fr")
    return dataclasses.replace(settings, mail=mail)


def _body(raw: str) -> str:
    import email

    return email.message_from_string(raw).get_payload(decode=True).decode("utf-8")


def test_a_failed_run_says_what_failed_and_that_the_previous_warehouse_stays(settings, smtp):
    inbox, port = smtp
    assert alerts.after_run(_with_mail(settings, port), False, "étape clauses_dbt : test en échec", "abc123", "test")
    body = _body(inbox.messages[0])
    assert "étape clauses_dbt : test en échec" in body and "abc123" in body and "passage précédent" in body
    assert "dernier_passage.log" in body


def test_a_run_that_set_rows_aside_tells_each_sender_where_its_returns_are(demo_root, smtp):
    from conftest import project_env

    inbox, port = smtp
    with project_env(demo_root) as settings:
        assert alerts.after_run(_with_mail(settings, port), True, None, "run", "test")
    body = _body(inbox.messages[0])
    assert "- F1 :" in body and "- ACHATS :" in body and f"retours_F1_{AS_OF}.xlsx" in body
    assert "@" not in body.replace("dsi@example.fr", "")  # no e-mail address of a person, no personal value


def test_no_alert_without_recipients_and_a_failed_send_never_raises(settings, caplog):
    assert not alerts.after_run(settings, False, "raison", "id", "test")  # CLAUSES_ALERT_EMAIL unset
    with caplog.at_level(logging.WARNING):
        assert not alerts.after_run(_with_mail(settings, _free_port()), False, "raison", "id", "test")
    assert "alerte non envoyée" in caplog.text


def test_scheduled_runs_alert_through_a_run_failure_sensor_and_cli_runs_do_not_twice(settings, smtp, monkeypatch):
    from dagster import DagsterInstance, build_run_status_sensor_context, job, op

    from assets.automation import alert_on_failure

    inbox, port = smtp
    monkeypatch.setenv("CLAUSES_ALERT_EMAIL", "dsi@example.fr")
    monkeypatch.setenv("CLAUSES_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CLAUSES_SMTP_PORT", str(port))

    @op
    def boom():
        raise RuntimeError("panne simulée")

    @job
    def nightly():
        boom()

    with DagsterInstance.ephemeral() as instance:
        for tags, expected in (({"clauses/declencheur": "depot"}, 1), ({"clauses/lanceur": "cli"}, 1)):
            result = nightly.execute_in_process(instance=instance, raise_on_error=False, tags=tags)
            context = build_run_status_sensor_context(
                sensor_name="alerte_echec", dagster_instance=instance, dagster_run=result.dagster_run,
                dagster_event=result.get_run_failure_event(),
            ).for_run_failure()  # fmt: skip
            alert_on_failure(context)
            assert len(inbox.messages) == expected
    assert "le capteur de raw/" in _body(inbox.messages[0])
