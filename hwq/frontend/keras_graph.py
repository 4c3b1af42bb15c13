"""Keras' functional graph as the frontend reads it: the layer calls in order, and which tensor feeds which.

A Sequential model is read through the functional model Keras builds for it. Tensors are keyed
by id(), as Keras itself does when it runs the graph.
"""

from __future__ import annotations

from dataclasses import dataclass

from hwq.frontend.errors import UnsupportedLayerError


@dataclass
class LayerCall:
    """One call of a layer: the tensors it reads and the tensors it makes."""

    layer: object
    inputs: list
    outputs: list

    @property
    def type_name(self) -> str:
        return type(self.layer).__name__


@dataclass
class KerasGraph:
    inputs: list  # the model's input tensors, in order
    outputs: list  # its output tensors, in order
    calls: list[LayerCall]  # every layer call, each after the calls it reads from

    def producer(self) -> dict[int, LayerCall]:
        return {id(t): c for c in self.calls for t in c.outputs}

    def consumers(self, tensor) -> list[LayerCall]:
        """The calls reading `tensor`; for a model input no output depends on, the layers Keras saw it feed."""
        calls = [c for c in self.calls if any(t is tensor for t in c.inputs)]
        if calls or not any(t is tensor for t in self.inputs):
            return calls
        outbound = getattr(tensor._keras_history[0], "_outbound_nodes", [])
        return [LayerCall(n.operation, list(n.input_tensors), list(n.outputs)) for n in outbound
                if any(t is tensor for t in n.input_tensors)]

    def needed_for(self, outputs: list) -> list[LayerCall]:
        """The calls the given tensors depend on, in order."""
        producer = self.producer()
        needed: set[int] = set()
        stack = [id(t) for t in outputs]
        while stack:
            call = producer.get(stack.pop())
            if call is not None and id(call) not in needed:
                needed.add(id(call))
                stack += [id(t) for t in call.inputs]
        return [c for c in self.calls if id(c) in needed]

    def only_call_of(self, layer_name: str) -> LayerCall | None:
        """The call of the named layer (None when there is none); a layer called more than once is refused,
        since its name alone does not say which call is meant."""
        calls = [c for c in self.calls if c.layer.name == layer_name]
        if len(calls) > 1:
            raise UnsupportedLayerError(f"layer {layer_name!r} is called {len(calls)} times in the model; name a "
                                        "layer that is called once (e.g. one right after the call you mean)")
        return calls[0] if calls else None


def keras_graph(model) -> KerasGraph:
    functional = model
    if not hasattr(model, "_nodes_by_depth"):  # a Sequential: Keras keeps a functional model inside
        functional = getattr(model, "_functional", None)
    if functional is None or not hasattr(functional, "_nodes_by_depth"):
        raise UnsupportedLayerError(f"model {model.name!r} has no graph of layers yet; build it with a keras.Input "
                                    "first (or call it once on data)")
    calls = []
    for depth in sorted(functional._nodes_by_depth, reverse=True):
        for node in functional._nodes_by_depth[depth]:
            if node.operation is None or node.is_input:
                continue
            calls.append(LayerCall(node.operation, list(node.input_tensors), list(node.outputs)))
    return KerasGraph(list(functional.inputs), list(functional.outputs), calls)
