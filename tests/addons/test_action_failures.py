"""A custom action the Rasa server cannot run is said to the customer (addons/action_failures.py)."""

import asyncio
import http.server
import json
import threading

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActiveLoop, BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

import addons  # noqa: F401  (installs the wrapper, as Rasa's import of any addon does)
from scripts.processes import free_port
from shop.responses import render

DOMAIN = Domain.load("domain.yml")


def run(action_name: str, endpoint: EndpointConfig, slots: dict | None = None):
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    for name, value in (slots or {}).items():
        tracker.update(SlotSet(name, value))
    action = RemoteAction(action_name, endpoint)
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN))


def unreachable() -> EndpointConfig:
    return EndpointConfig(url=f"http://127.0.0.1:{free_port()}/webhook", token="t")


def test_an_action_server_that_cannot_be_reached_gets_the_apology_said():
    events = run("action_check_stock", unreachable())
    assert [type(e) for e in events] == [BotUttered]
    assert events[0].text == render("utter_action_failed")["text"]


def test_an_order_that_could_not_be_placed_waits_at_its_confirmation():
    events = run("action_place_order", unreachable(), {"purchase_confirmed": True})
    assert [type(e) for e in events] == [BotUttered, SlotSet, ActiveLoop]
    assert events[1:] == [SlotSet("purchase_confirmed", None), ActiveLoop("purchase_form")]


def test_the_apology_is_said_once_a_turn():
    tracker = DialogueStateTracker("someone", DOMAIN.slots)
    tracker.update(UserUttered("yes"))
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    first = asyncio.run(
        RemoteAction("action_place_order", unreachable()).run(CollectingOutputChannel(), nlg, tracker, DOMAIN)
    )
    for event in first:
        tracker.update(event)
    again = asyncio.run(
        RemoteAction("action_ask_purchase_confirmed", unreachable()).run(
            CollectingOutputChannel(), nlg, tracker, DOMAIN
        )
    )
    assert not any(isinstance(e, BotUttered) for e in again)
    tracker.update(UserUttered("yes"))
    later = asyncio.run(
        RemoteAction("action_place_order", unreachable()).run(CollectingOutputChannel(), nlg, tracker, DOMAIN)
    )
    assert isinstance(later[0], BotUttered)


def test_a_form_whose_answer_could_not_be_checked_asks_again():
    events = run("validate_purchase_form", unreachable(), {"requested_slot": "quantity", "quantity": 3})
    assert isinstance(events[0], BotUttered)
    assert SlotSet("quantity", None) in events


def test_a_rejection_is_still_rasas_to_handle():
    class Rejecting(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            self.rfile.read(int(self.headers["Content-Length"]))
            body = json.dumps({"error": "not this one", "action_name": "validate_purchase_form"}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Rejecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        endpoint = EndpointConfig(url=f"http://127.0.0.1:{server.server_port}/webhook")
        with pytest.raises(ActionExecutionRejection):
            run("validate_purchase_form", endpoint)
    finally:
        server.shutdown()
