"""scripts/make_credentials.py: the credentials file `make run` uses, with or without Messenger."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from scripts import make_credentials
from scripts.make_credentials import MESSENGER, main

ROOT = Path(__file__).resolve().parents[2]
BASE_CHANNELS = list(yaml.safe_load((ROOT / "credentials.yml").read_text()))
ALL = {
    "FACEBOOK_VERIFY_TOKEN": "verify-me",
    "FACEBOOK_APP_SECRET": "s3cr3t:#{x}",
    "FACEBOOK_PAGE_ACCESS_TOKEN": "EAAB token",
}


def rasa_reads(path: Path, env: dict, monkeypatch) -> dict:
    """The file as `rasa run --credentials` reads it (environment variables expanded)."""
    from rasa.shared.utils.io import read_config_file

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return read_config_file(str(path))


def test_without_facebook_variables_it_is_credentials_yml(tmp_path, capsys):
    out = tmp_path / "var" / "credentials.yml"
    assert main([str(out)], env={"FACEBOOK_GRAPH_API_URL": "http://x"}) == 0
    assert out.read_text() == (ROOT / "credentials.yml").read_text()
    err = capsys.readouterr().err
    assert f"Channels on: {', '.join(BASE_CHANNELS)}." in err
    assert "Messenger is off: set FACEBOOK_VERIFY_TOKEN, FACEBOOK_APP_SECRET, FACEBOOK_PAGE_ACCESS_TOKEN" in err


def test_with_all_three_messenger_is_added_without_writing_secrets(tmp_path, capsys, monkeypatch):
    out = tmp_path / "credentials.yml"
    assert main([str(out)], env=ALL) == 0
    text = out.read_text()
    assert text.startswith((ROOT / "credentials.yml").read_text().rstrip("\n"))
    assert not any(secret in text for secret in ALL.values())
    assert f"{MESSENGER}." in capsys.readouterr().err
    loaded = rasa_reads(out, ALL, monkeypatch)
    assert loaded[MESSENGER] == {"verify": "verify-me", "secret": "s3cr3t:#{x}", "page-access-token": "EAAB token"}
    assert list(loaded) == BASE_CHANNELS + [MESSENGER]
    assert "addons.rest.GuardedRestInput" in loaded  # Rasa's REST channel, payloads guarded


def test_the_graph_api_url_is_optional(tmp_path, monkeypatch):
    env = {**ALL, "FACEBOOK_GRAPH_API_URL": "http://127.0.0.1:9/v18.0"}
    out = tmp_path / "credentials.yml"
    assert main([str(out)], env=env) == 0
    assert rasa_reads(out, env, monkeypatch)[MESSENGER]["graph-api-base-url"] == "http://127.0.0.1:9/v18.0"


@pytest.mark.parametrize("unset", [["FACEBOOK_APP_SECRET"], ["FACEBOOK_VERIFY_TOKEN", "FACEBOOK_PAGE_ACCESS_TOKEN"]])
def test_some_but_not_all_set_fails_naming_the_missing(tmp_path, capsys, unset):
    env = {k: ("" if k in unset else v) for k, v in ALL.items()}  # empty counts as unset
    out = tmp_path / "credentials.yml"
    assert main([str(out)], env=env) == 2
    err = capsys.readouterr().err
    assert all(name in err for name in unset)
    assert not out.exists()


def test_a_facebook_channel_already_in_the_base_file_is_refused(tmp_path, capsys):
    base = tmp_path / "base.yml"
    base.write_text("rest:\nfacebook:\n  verify: x\n")
    assert main([], env=ALL, base_path=base) == 2
    assert "already configures facebook" in capsys.readouterr().err


def test_command_line_prints_to_stdout():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FACEBOOK_")}
    done = subprocess.run(
        [sys.executable, "scripts/make_credentials.py"],
        cwd=ROOT,
        env={**env, **ALL},
        capture_output=True,
        text=True,
        check=True,
    )
    assert yaml.safe_load(done.stdout)[MESSENGER]["secret"] == "${FACEBOOK_APP_SECRET}"
    assert "Channels on:" in done.stderr
    partial = subprocess.run(
        [sys.executable, "scripts/make_credentials.py"],
        cwd=ROOT,
        env={**env, "FACEBOOK_APP_SECRET": "x"},
        capture_output=True,
        text=True,
    )
    assert partial.returncode == 2 and partial.stdout == ""
    assert "FACEBOOK_VERIFY_TOKEN, FACEBOOK_PAGE_ACCESS_TOKEN" in partial.stderr
    assert make_credentials.channels(done.stdout)[-1] == MESSENGER


def test_twilio_channels_per_number_set(tmp_path):
    from scripts.make_credentials import TWILIO_SMS, TWILIO_WHATSAPP, credentials

    base = (tmp_path / "c.yml").read_text() if (tmp_path / "c.yml").exists() else "rest:\n"
    env = {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_NUMBER": "+15005550006"}
    text = credentials(base, {**env, "WEB_PUBLIC_URL": "https://shop.example.com"})
    assert TWILIO_SMS in text and TWILIO_WHATSAPP not in text
    assert "auth-token: ${TWILIO_AUTH_TOKEN}" in text and "t\n" not in text  # no secret on disk
    assert "status-callback-url: https://shop.example.com/twilio/status" in text
    both = credentials(base, {**env, "TWILIO_WHATSAPP_NUMBER": "+14155238886", "TWILIO_API_BASE_URL": "http://x"})
    assert TWILIO_WHATSAPP in both and "api-base-url: ${TWILIO_API_BASE_URL}" in both


def test_twilio_with_only_some_variables_names_the_missing_ones():
    import pytest

    from scripts.make_credentials import ConfigError, credentials

    with pytest.raises(ConfigError, match="TWILIO_AUTH_TOKEN"):
        credentials("rest:\n", {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_SMS_NUMBER": "+1"})
    with pytest.raises(ConfigError, match="TWILIO_SMS_NUMBER or TWILIO_WHATSAPP_NUMBER"):
        credentials("rest:\n", {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t"})
    with pytest.raises(ConfigError, match="already configures twilio"):
        credentials("twilio:\n", {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_SMS_NUMBER": "+1"})
