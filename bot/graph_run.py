"""Runs Rasa's small computation graphs in dependency order, without dask's scheduler.

Rasa hands each graph to ``dask.get``: a dict of ``key -> (callable, *keys it needs)`` tasks and
literal values (the run's inputs). dask's synchronous scheduler orders, tracks and releases
every node, which costs more than most of the nodes themselves. The graphs are small, have no
cycles, and run on one thread, so each needed node is simply computed once, inputs first.
"""

from __future__ import annotations

from typing import Any, Dict, Hashable, List, Tuple


def _is_task(value: Any) -> bool:
    return isinstance(value, tuple) and bool(value) and callable(value[0])


def compute(graph: Dict[Hashable, Any], targets: List[Hashable]) -> Tuple[Any, ...]:
    """The values of ``targets``, as ``dask.get(graph, targets)`` returns them."""
    results: Dict[Hashable, Any] = {}

    def value_of(key: Hashable) -> Any:
        if key not in results:
            task = graph[key]
            if _is_task(task):
                function, *needs = task
                arguments = [value_of(need) if need in graph else need for need in needs]
                results[key] = function(*arguments)
            else:
                results[key] = task
        return results[key]

    return tuple(value_of(target) for target in targets)
