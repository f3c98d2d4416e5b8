"""The new NLU components trained and run through Rasa's own recipe, as `rasa train` does,
on a handful of messages with a small classifier (LogisticRegressionClassifier, not DIET):
the lemma vocabulary survives persist and load, and payloads take the path Rasa gives them."""

import asyncio
import textwrap
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]

NLU = """
version: "3.1"
nlu:
- intent: check_stock
  examples: |
    - please do you have the backpack
    - do you have the hoodie in black
    - is the backpack in stock
    - do you have running shoes
- intent: order_status
  examples: |
    - where is my order
    - where is my order A1003
    - track my order please
- intent: opt_out
  examples: |
    - unsubscribe me
    - stop sending me messages
    - action listen
- intent: greet
  examples: |
    - hello
    - hi there
- intent: out_of_scope
  examples: |
    - what is the weather
- intent: other_language
  examples: |
    - hola que tal
"""

DOMAIN = """
version: "3.1"
intents: [check_stock, order_status, opt_out, greet, out_of_scope, other_language]
entities: [product, color, order_id, email, booking_ref]
responses:
  utter_greet:
  - text: Hi!
"""

# A full model (NLU and one rule), so the model has a domain: Rasa's RegexMessageHandler takes
# "/x" as intent x without NLU only when the domain has x (an NLU-only model takes any x).
RULES = """
version: "3.1"
rules:
- rule: greet
  steps:
  - intent: greet
  - action: utter_greet
"""


@pytest.fixture(scope="module")
def agent(tmp_path_factory):
    import spacy
    from rasa.core.agent import Agent
    from rasa.model_training import train

    root = tmp_path_factory.mktemp("pipeline")
    spacy.blank("en").to_disk(root / "blank_en")
    (root / "nlu.yml").write_text(NLU)
    (root / "domain.yml").write_text(DOMAIN)
    (root / "rules.yml").write_text(RULES)
    (root / "config.yml").write_text(
        textwrap.dedent(f"""
        recipe: default.v1
        language: en
        assistant_id: test
        pipeline:
          - name: SpacyNLP
            model: {root / "blank_en"}
          - name: SpacyTokenizer
          - name: addons.lemma_normalizer.LemmaNormalizer
            catalog_path: {PROJECT_ROOT / "seed" / "catalog.yml"}
          - name: CountVectorsFeaturizer
          - name: CountVectorsFeaturizer
            analyzer: char_wb
            min_ngram: 1
            max_ngram: 4
          - name: LogisticRegressionClassifier
          - name: addons.catalog_entity_extractor.CatalogEntityExtractor
            catalog_path: {PROJECT_ROOT / "seed" / "catalog.yml"}
          - name: addons.pattern_entity_extractor.PatternEntityExtractor
            patterns:
              order_id: '\\bA-?\\d{{4,6}}\\b'
            upper: [order_id]
          - name: addons.further_requests.FurtherRequestsRecorder
          - name: addons.language_detector.OtherLanguageClassifier
          - name: addons.payload_guard.SlashPayloadClassifier
          - name: FallbackClassifier
            threshold: 0.1
        policies:
          - name: RulePolicy
        """)
    )
    result = train(
        str(root / "domain.yml"),
        str(root / "config.yml"),
        [str(root / "nlu.yml"), str(root / "rules.yml")],
        str(root / "models"),
    )
    assert result.model, "the model should train"
    return Agent.load(result.model)


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


def test_text_speak_reads_as_the_training_data(agent):
    typed, written = parse(agent, "pls do u have the backpak"), parse(agent, "please do you have the backpack")
    assert typed["intent"]["name"] == written["intent"]["name"] == "check_stock"
    assert typed["intent"]["confidence"] == pytest.approx(written["intent"]["confidence"])
    assert [(e["entity"], e["value"]) for e in typed["entities"]] == [("product", "Canvas Backpack")]
    assert typed["text"] == "pls do u have the backpak"  # the text stays as typed


def test_a_typed_payload_that_is_no_domain_intent_is_out_of_scope(agent):
    parsed = parse(agent, "/action_listen")
    assert parsed["intent"] == {"name": "out_of_scope", "confidence": 1.0}
    assert parsed["entities"] == []


def test_a_payload_of_a_domain_intent_is_that_intent_without_nlu(agent):
    parsed = parse(agent, '/check_stock{"product": "Hoodie"}')
    assert parsed["intent"]["name"] == "check_stock"
    assert [(e["entity"], e["value"]) for e in parsed["entities"]] == [("product", "Hoodie")]


def test_foreign_text_is_other_language(agent):
    assert parse(agent, "¿Dónde está mi pedido?")["intent"] == {"name": "other_language", "confidence": 1.0}


def test_two_requests_in_one_message(agent):
    parsed = parse(agent, "do you have the hoodie in black? also where is my order A1003")
    assert [r["text"] for r in parsed["further_requests"]] == ["where is my order A1003"]


def test_a_guarded_payload_of_a_domain_intent_goes_to_nlu_and_is_out_of_scope(agent):
    """What the channels do with "/opt_out" typed by a customer: no button of ours sends it."""
    from addons.payload_guard import guard_payload

    assert parse(agent, "/opt_out")["intent"]["name"] == "opt_out"  # Rasa alone: unsubscribed
    guarded = parse(agent, guard_payload("/opt_out", {"check_stock", "greet"}))
    assert guarded["intent"] == {"name": "out_of_scope", "confidence": 1.0}
