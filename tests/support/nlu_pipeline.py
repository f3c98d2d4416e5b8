"""Small NLU pipelines built in a test, the way Rasa's graph builds them, for component tests."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.sparse_featurizer.count_vectors_featurizer import CountVectorsFeaturizer
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData


def context(name: str = "test") -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), name)


def storage(tmp_path: Path) -> LocalModelStorage:
    (tmp_path / "model").mkdir(exist_ok=True)
    return LocalModelStorage(tmp_path / "model")


def featurized(tmp_path: Path, examples: Sequence[tuple[str, str]]) -> tuple[TrainingData, Any]:
    """Training data of (text, intent) pairs, tokenized and featurized (words and char n-grams);
    returns it and a function that featurizes new texts the same way."""
    model_storage = storage(tmp_path)
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    featurizers = []
    for name, extra in (("words", {}), ("chars", {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4})):
        config = {**CountVectorsFeaturizer.get_default_config(), **extra}
        featurizers.append(CountVectorsFeaturizer.create(config, model_storage, Resource(name), context(name)))
    data = TrainingData([Message.build(text=t, intent=i) for t, i in examples])
    tokenizer.process_training_data(data)
    for featurizer in featurizers:
        featurizer.train(data)
        featurizer.process_training_data(data)

    def prepare(texts: list[str]) -> list[Message]:
        messages = [Message(data={"text": t}) for t in texts]
        tokenizer.process(messages)
        for featurizer in featurizers:
            featurizer.process(messages)
        return messages

    return data, prepare


def config_of(component: Any, **overrides: Any) -> dict[str, Any]:
    return {**component.get_default_config(), **overrides}
