"""A graph runner works out the part of its graph a target needs once, and runs it as before."""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent, GraphSchema, SchemaNode
from rasa.engine.runner.dask import DaskGraphRunner
from rasa.engine.storage.local_model_storage import LocalModelStorage

import addons  # noqa: F401  (installs the cache, as Rasa's import of any addon does)
from addons.graph_schema_cache import RunnerSchema


class Number(GraphComponent):
    def __init__(self, config: dict[str, Any]) -> None:
        self.value = config["value"]

    @classmethod
    def create(cls, config, model_storage, resource, execution_context) -> "Number":
        return cls(config)

    def give(self) -> int:
        return self.value

    def add(self, **numbers: int) -> int:
        return self.value + sum(numbers.values())


def node(fn: str, value: int, needs: dict[str, str] | None = None, target: bool = False) -> SchemaNode:
    return SchemaNode(
        needs=needs or {}, uses=Number, constructor_name="create", fn=fn, config={"value": value}, is_target=target
    )


SCHEMA = GraphSchema(
    {
        "one": node("give", 1),
        "two": node("give", 2),
        "shared": node("add", 10, {"a": "one", "b": "two"}),
        "left": node("add", 100, {"x": "shared"}, target=True),
        "right": node("add", 1000, {"x": "shared", "y": "one"}, target=True),
        "unused": node("give", 5),
    }
)


def runner(tmp_path) -> DaskGraphRunner:
    return DaskGraphRunner(SCHEMA, LocalModelStorage(tmp_path), ExecutionContext(SCHEMA, "test"))


def test_each_target_list_is_planned_once_and_runs_as_rasa_runs_it(tmp_path, monkeypatch):
    planned = []
    original = GraphSchema.minimal_graph_schema

    def counting(self, targets=None):
        planned.append(tuple(targets or ()))
        return original(self, targets)

    monkeypatch.setattr(GraphSchema, "minimal_graph_schema", counting)
    graph = runner(tmp_path)
    assert isinstance(graph._graph_schema, RunnerSchema)
    for _ in range(3):
        assert graph.run(targets=["left"]) == {"left": 113}
        assert graph.run(targets=["right"]) == {"right": 1014}
    assert graph.run() == {"left": 113, "right": 1014}
    assert planned == [("left",), ("right",), ("left", "right")]
    assert set(graph._graph_schema.minimal_graph_schema(["left"]).nodes) == {"one", "two", "shared", "left"}


def test_runners_do_not_share_plans(tmp_path):
    first, second = runner(tmp_path / "a"), runner(tmp_path / "b")
    assert first._graph_schema is not second._graph_schema
    assert first._graph_schema.minimal_graph_schema(["left"]) is not second._graph_schema.minimal_graph_schema(["left"])
