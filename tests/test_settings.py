"""Settings as a French user writes them, and every settings error in one French line (issue 25, point 8)."""

from __future__ import annotations

import pytest

from pipeline.settings import SettingsError, load_settings


@pytest.mark.parametrize(
    "name, value, read",
    [
        ("CLAUSES_HEURES_ETP", "1 607", 1607.0),  # the French thousands separator
        ("CLAUSES_HEURES_ETP", "1\u202f607,5", 1607.5),  # a narrow no-break space and a decimal comma
        ("CLAUSES_SECRET_MIN", " 10 ", 10),
    ],
)
def test_numbers_written_the_french_way_are_read(monkeypatch, name, value, read):
    monkeypatch.setenv(name, value)
    settings = load_settings()
    assert {"CLAUSES_HEURES_ETP": settings.heures_etp, "CLAUSES_SECRET_MIN": settings.secret_min}[name] == read


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("CLAUSES_SECRET_MIN", "cinq", "un nombre entier de personnes"),
        ("CLAUSES_SECRET_MIN", "0", "un nombre entier de personnes"),
        ("CLAUSES_HEURES_ETP", "-3", "un nombre d'heures positif"),
        ("CLAUSES_SMTP_PORT", "smtp", "un numéro de port"),
        ("CLAUSES_LIMITE_COLONNES", "beaucoup", "un nombre entier positif"),
        ("CLAUSES_AS_OF", "04/12/2026", "n'est pas une date ISO"),
    ],
)
def test_each_settings_error_is_one_french_line_naming_the_variable_and_the_value(monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith(f"{name}={value!r}") and expected in message and "\n" not in message
    assert not any(english in message for english in ("invalid literal", "could not convert", "ValueError"))


def test_a_long_line_written_to_a_file_is_not_wrapped():
    """A journal or a log file keeps each message on one line (issue 25, point 9): rich wraps at 80 columns
    only on a terminal."""
    import subprocess
    import sys

    long = "attention : " + "clé de démonstration " * 8
    done = subprocess.run(
        [sys.executable, "-c", f"from assets.progress import say; say({long!r})"], capture_output=True, text=True
    )
    assert done.stderr.rstrip("\n") == long
