"""A request about another company's account, subscription, refund, appointment or hours is
out_of_scope: the shop can act only on its own. "cancel my netflix subscription" was opt_out,
"connect me to a human at the DMV" human_handoff, "is the chase bank open today" the
opening-hours FAQ, "where is my amazon package" order_status.

The names are the `other_company` lookup table of the training data (data/nlu/other_companies.yml),
kept in the model. Three things keep a message ours: it names something of ours (a product, an
order id, a booking reference), its intent is one the catalog answers whoever the customer
names (buying, stock), or the name is one of the shop's own
partners (how customers pay, who delivers).
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any, Dict, Iterable, List, Optional, Pattern, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_TYPE, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from addons.rule_based_classifier import set_sure_intent

logger = logging.getLogger(__name__)
NAMES_FILE = "other_company_names.json"
OUT_OF_SCOPE = "out_of_scope"


def names_pattern(names: Iterable[str], partners: Iterable[str]) -> Optional[Pattern[str]]:
    """One case-insensitive whole-word pattern for the names that are not the shop's partners."""
    ours = {p.lower() for p in partners}
    wanted = sorted({n.strip().lower() for n in names if n.strip()} - ours, key=len, reverse=True)
    if not wanted:
        return None
    return re.compile(r"(?<![\w'])(?:" + "|".join(re.escape(n) for n in wanted) + r")(?![\w'])", re.I)


def is_other_company_request(
    text: str,
    intent: Optional[str],
    response_key: Optional[str],
    entity_types: Iterable[str],
    pattern: Optional[Pattern[str]],
    config: Dict[str, Any],
) -> bool:
    if pattern is None or intent not in config["intents"]:
        return False
    # The response selector always picks an answer; it counts only when the intent is its own.
    if response_key in config["keep_answers"] and response_key.split("/")[0] == intent:
        return False
    if set(entity_types) & set(config["our_entities"]):
        return False
    return pattern.search(text) is not None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class OtherCompanyGuard(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "lookup": "other_company",
            # The intents it overrules: those that act on the shop's own orders, accounts and
            # calendars, and the FAQ. Buying and stock stay: the catalog answers them ("do you
            # have shoes like nike's").
            "intents": [
                "order_status",
                "refund",
                "opt_out",
                "opt_in",
                "human_handoff",
                "book_meeting",
                "reschedule_meeting",
                "cancel_meeting",
                "request_followup",
                "sales_inquiry",
                "cancel",
                "faq",
            ],
            # "can I pay with my chase visa" asks about the shop's payment methods.
            "keep_answers": ["faq/payment"],
            "our_entities": ["product", "order_id", "booking_ref"],
            # How customers pay and who delivers: names in the lookup table that are ours too.
            "partners": [
                "paypal",
                "apple",
                "google",
                "american express",
                "revolut",
                "venmo",
                "cash app",
                "ups",
                "usps",
                "fedex",
                "dhl",
                "royal mail",
                "canada post",
            ],
        }

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        names: Optional[List[str]] = None,
    ) -> None:
        self.component_config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._names = names or []
        self._pattern = names_pattern(self._names, self.component_config["partners"])

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "OtherCompanyGuard":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        lookup = self.component_config["lookup"]
        names: List[str] = []
        for table in training_data.lookup_tables:
            if table.get("name") == lookup and isinstance(table.get("elements"), list):
                names += [str(n) for n in table["elements"]]
        if not names:
            logger.warning("OtherCompanyGuard: no lookup table %r in the training data.", lookup)
        self._names = names
        self._pattern = names_pattern(names, self.component_config["partners"])
        with self._model_storage.write_to(self._resource) as directory:
            (directory / NAMES_FILE).write_text(json.dumps(names))
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "OtherCompanyGuard":
        try:
            with model_storage.read_from(resource) as directory:
                names = json.loads((directory / NAMES_FILE).read_text())
        except (ValueError, FileNotFoundError):
            names = []
        return cls(config, model_storage, resource, names)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if not isinstance(text, str):
                continue
            selection = ((message.get("response_selector") or {}).get("default") or {}).get("response") or {}
            entity_types = [e.get(ENTITY_ATTRIBUTE_TYPE) for e in message.get(ENTITIES) or []]
            if is_other_company_request(
                text, intent, selection.get("intent_response_key"), entity_types, self._pattern, self.component_config
            ):
                set_sure_intent(message, OUT_OF_SCOPE)
        return messages
