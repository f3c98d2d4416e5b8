"""Intents by a linear model over the sparse sentence features of the featurizers before it.

A logistic regression over TF-IDF-weighted word and character n-gram counts trains in seconds
on thousands of examples (DIET takes minutes), gives calibrated confidences that per-intent
thresholds can be tuned on, and on our measurements (docs/nlu.md) rejects off-topic text
better than DIET does. Entities are left to the extractors.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any, Dict, List, Optional, Text, Tuple, Type

import joblib
import numpy as np
import scipy.sparse
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers import LABEL_RANKING_LENGTH
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

logger = logging.getLogger(__name__)
MODEL_FILE = "linear_intent_classifier.joblib"


def fit(rows: List[scipy.sparse.csr_matrix], labels: List[str], config: Dict[Text, Any]) -> Dict[str, Any]:
    """A logistic regression over the TF-IDF of the rows' features, with its transform."""
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression

    tfidf = TfidfTransformer(sublinear_tf=True)
    X = tfidf.fit_transform(scipy.sparse.vstack(rows).tocsr())
    classifier = LogisticRegression(
        C=config["C"],
        class_weight=class_weights(labels, config["class_weight"], config.get("class_weight_scale") or {}),
        max_iter=config["max_iter"],
        random_state=config["random_seed"],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter on tiny test data
        classifier.fit(X, np.array(labels))
    return {"tfidf": tfidf, "classifier": classifier}


def class_weights(labels: List[str], class_weight: Any, scale: Dict[str, float]) -> Any:
    """sklearn's class_weight, with the weights of the labels in `scale` multiplied by their factor."""
    if not scale:
        return class_weight
    from sklearn.utils.class_weight import compute_class_weight

    classes = np.array(sorted(set(labels)))
    base = (
        compute_class_weight(class_weight, classes=classes, y=np.array(labels))
        if class_weight
        else np.ones(len(classes))
    )
    return {label: float(weight) * scale.get(label, 1.0) for label, weight in zip(classes, base, strict=True)}


def rank(model: Dict[str, Any], features: scipy.sparse.csr_matrix) -> List[Dict[str, Any]]:
    """Every label with its probability, most likely first."""
    classifier = model["classifier"]
    probabilities = classifier.predict_proba(model["tfidf"].transform(features))[0]
    order = np.argsort(-probabilities)
    return [{"name": str(classifier.classes_[i]), "confidence": float(probabilities[i])} for i in order]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class LinearIntentClassifier(GraphComponent, IntentClassifier):
    @classmethod
    def required_components(cls) -> List[Type]:
        return [SparseFeaturizer]

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            # Inverse regularization strength of the logistic regression.
            "C": 10.0,
            # "balanced" keeps the large off-topic class from drowning the small intents.
            "class_weight": "balanced",
            # Factors on the weights above, by label: a heavier out_of_scope rejects more of the
            # off-topic text that lies between the intents.
            "class_weight_scale": {},
            "max_iter": 2000,
            # Only these featurizers' features are used (None: all sparse featurizers).
            "featurizers": None,
            "random_seed": 7,
        }

    @staticmethod
    def required_packages() -> List[Text]:
        return ["sklearn"]

    def __init__(
        self,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: Optional[Dict[str, Any]] = None,
    ) -> None:
        self.component_config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "LinearIntentClassifier":
        return cls(config, model_storage, resource)

    def _sentence_features(self, message: Message) -> Optional[scipy.sparse.csr_matrix]:
        _, sentence = message.get_sparse_features(TEXT, self.component_config.get("featurizers"))
        if sentence is None:
            return None
        return scipy.sparse.csr_matrix(sentence.features)

    def labelled_examples(self, training_data: TrainingData) -> List[Tuple[Message, str]]:
        return [(message, message.get(INTENT)) for message in training_data.intent_examples]

    def model_extras(self, training_data: TrainingData) -> Dict[str, Any]:
        """What else the model keeps from the training data (a subclass's hook)."""
        return {}

    def train(self, training_data: TrainingData) -> Resource:
        rows, labels = [], []
        for message, label in self.labelled_examples(training_data):
            features = self._sentence_features(message)
            if features is not None:
                rows.append(features)
                labels.append(label)
        if len(set(labels)) < 2:
            logger.warning("%s needs examples of two labels at least.", type(self).__name__)
            return self._resource
        self._model = {**fit(rows, labels, self.component_config), **self.model_extras(training_data)}
        with self._model_storage.write_to(self._resource) as directory:
            joblib.dump(self._model, directory / MODEL_FILE)
        return self._resource

    @classmethod
    def load(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> "LinearIntentClassifier":
        try:
            with model_storage.read_from(resource) as directory:
                model = joblib.load(directory / MODEL_FILE)
        except (ValueError, FileNotFoundError):
            logger.warning("%s was not trained; it predicts nothing.", cls.__name__)
            model = None
        return cls(config, model_storage, resource, model)

    def ranking(self, message: Message) -> List[Dict[str, Any]]:
        """Every intent with its probability, most likely first."""
        features = self._sentence_features(message) if self._model else None
        if features is None:
            return []
        return rank(self._model, features)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            ranking = self.ranking(message)
            intent = ranking[0] if ranking else {"name": None, "confidence": 0.0}
            message.set(INTENT, intent, add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[:LABEL_RANKING_LENGTH], add_to_output=True)
        return messages
