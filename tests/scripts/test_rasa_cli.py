"""scripts/rasa_cli.py: the HTTP API's token comes from the environment, never the command line."""

import pytest

from scripts.rasa_cli import with_api_token


def test_the_token_is_added_in_the_process():
    argv = ["rasa", "run", "--enable-api", "--port", "5005"]
    assert with_api_token(argv, {"RASA_AUTH_TOKEN": "-starts-with-a-dash"}) == [
        *argv,
        "--auth-token=-starts-with-a-dash",
    ]


def test_the_api_never_runs_without_a_token():
    with pytest.raises(SystemExit, match="never runs without a token"):
        with_api_token(["rasa", "run", "--enable-api"], {})


@pytest.mark.parametrize(
    "argv",
    [["rasa", "shell"], ["rasa", "run"], ["rasa", "test", "core"], ["rasa", "run", "--enable-api", "--auth-token=x"]],
)
def test_other_commands_are_left_alone(argv):
    assert with_api_token(argv, {}) == argv
