"""The part of the model's graph a run needs, worked out once per target instead of at every run.

Rasa 3.6's DaskGraphRunner.run calls GraphSchema.minimal_graph_schema for every message parsed
and every action predicted; that walks the graph's dependencies recursively, once per path (a
node many others need is visited again for each of them): about 8% of the Rasa server's busy
time under load (issue 12's profile). A runner's schema never changes while it runs, so install()
gives each runner a schema that keeps its answers; a runner is made per loaded model (and per
training run), so nothing is shared between schemas."""

from typing import Any, Dict, List, Optional, Text, Tuple

from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner


class RunnerSchema(GraphSchema):
    """The runner's schema (the same nodes), with each target list's minimal schema kept."""

    def __init__(self, nodes: Dict[Text, Any]) -> None:
        super().__init__(nodes)
        self._minimal: Dict[Optional[Tuple[Text, ...]], GraphSchema] = {}

    def minimal_graph_schema(self, targets: Optional[List[Text]] = None) -> GraphSchema:
        key = tuple(targets) if targets else None
        if key not in self._minimal:
            self._minimal[key] = super().minimal_graph_schema(targets)
        return self._minimal[key]


_init = DaskGraphRunner.__init__


def _runner_init(self: DaskGraphRunner, graph_schema: GraphSchema, *args: Any, **kwargs: Any) -> None:
    _init(self, graph_schema, *args, **kwargs)
    self._graph_schema = RunnerSchema(graph_schema.nodes)


def install() -> None:
    """Idempotent: every addon imports this package."""
    DaskGraphRunner.__init__ = _runner_init  # type: ignore[method-assign]
