"""AutoQKerasScheduler: quantize a model one block of layers at a time instead of all at once.

`blocks` is a list of regular expressions over layer names; each block is searched by its own AutoQKeras run
(N choices per block and B blocks make about N·B trials instead of N^B), the best model of one block being the
starting model of the next. schedule_block "sequential" takes the blocks in the given order, "cost" the
costliest first (bits or energy of the block in the reference model). After each block the model is saved as
output_dir/model_block_<i>.keras and output_dir/scheduler.json records the next block, so a run started again
with overwrite=False resumes there.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import re
from collections.abc import Iterator
from typing import Any

import keras

from hwq.autoqkeras.search import AutoQKeras, make_target, unique_output_dir
from hwq.autoqkeras.summary import print_qmodel_summary
from hwq.autoqkeras.training import fresh_optimizer, learning_rate_of, require_compiled

SCHEDULES = ("sequential", "cost")
MIN_BLOCK_TRIALS = 10


class AutoQKerasScheduler:
    """QKeras' block-wise AutoQKeras; arguments as AutoQKeras' plus blocks, schedule_block and debug (only
    print the blocks and their limits). tuner_kwargs["max_trials"] is shared out among blocks by cost."""

    def __init__(self, model: keras.Model, metrics: Any = None, custom_objects: dict | None = None,
                 goal: dict | None = None, output_dir: str = "result", mode: str = "random",
                 transfer_weights: bool = False, activation_bits: int = 4, limit: dict | None = None,
                 tune_filters: str = "none", tune_filters_exceptions: str | None = None, layer_indexes: Any = None,
                 learning_rate_optimizer: bool = False, blocks: list[str] | None = None,
                 schedule_block: str = "sequential", quantization_config: dict | None = None,
                 overwrite: bool = True, debug: bool = False, head_name: str | None = None,
                 **tuner_kwargs: Any) -> None:
        if schedule_block not in SCHEDULES:
            raise ValueError(f"schedule_block must be one of {SCHEDULES}, got {schedule_block!r}")
        if not blocks:
            raise ValueError("AutoQKerasScheduler needs blocks: a list of regular expressions over layer names")
        self.target = make_target(goal)
        self.model, self.metrics = model, metrics or []
        self.custom_objects = custom_objects or {}
        self.mode, self.transfer_weights, self.activation_bits = mode, transfer_weights, activation_bits
        self.limit = limit or {}
        self.tune_filters, self.tune_filters_exceptions = tune_filters, tune_filters_exceptions
        self.layer_indexes, self.learning_rate_optimizer = layer_indexes, learning_rate_optimizer
        self.blocks, self.schedule_block = blocks, schedule_block
        self.quantization_config, self.tuner_kwargs = quantization_config, tuner_kwargs
        self.debug, self.head_name, self.overwrite = debug, head_name, overwrite
        self.autoqk: AutoQKeras | None = None
        self.best_model: keras.Model | None = None
        self.history: list[dict] = []
        self.learning_rate = learning_rate_of(require_compiled(model))
        self.output_dir = unique_output_dir(output_dir, overwrite)
        self.next_block = self.get_next_block(overwrite)
        if self.next_block > 0:
            path = self._block_path(self.next_block - 1)
            strategy = tuner_kwargs.get("distribution_strategy")
            with strategy.scope() if strategy else contextlib.nullcontext():
                self.model = keras.models.load_model(path, custom_objects=self.custom_objects)
            print(f"Load model completed: {path}")

    def _block_path(self, index: int) -> str:
        return os.path.join(self.output_dir, f"model_block_{index}.keras")

    def get_next_block(self, overwrite: bool) -> int:
        """0 for a fresh run; when resuming, the block scheduler.json says comes next."""
        if overwrite:
            return 0
        try:
            with open(os.path.join(self.output_dir, "scheduler.json")) as f:
                return int(json.load(f)["next_block"])
        except (OSError, ValueError, KeyError):
            return 0

    def get_limit(self, model: keras.Model, pattern: str) -> dict[str, Any]:
        """The limit for one block, over the block's layers only: a name pattern of the user's becomes the exact
        names of the block's layers it matches (^(a|b)$, one shared choice as before, and 'fc_0' no longer also
        catches 'fc_0_relu'); a layer the limit names by class gets its own exact-name entry (its own choice),
        so a class entry does not reach layers of other blocks."""
        new_limit: dict[str, Any] = {}
        narrowed: dict[str, list[str]] = collections.defaultdict(list)
        for layer_name in self.grouped_patterns[pattern]:
            limit_pattern = next((p for p in self.limit if re.match(p, layer_name)), None)
            if limit_pattern is not None:
                narrowed[limit_pattern].append(layer_name)
            elif type(model.get_layer(layer_name)).__name__ in self.limit:
                new_limit[f"^{re.escape(layer_name)}$"] = self.limit[type(model.get_layer(layer_name)).__name__]
        for limit_pattern, names in narrowed.items():
            new_limit["^(" + "|".join(re.escape(n) for n in names) + ")$"] = self.limit[limit_pattern]
        return new_limit

    def compute_block_costs(self, patterns: list[str], model: keras.Model) -> None:
        """Groups the layers under the block patterns and prices each block in the reference model."""
        self.reference_size = self.target.get_reference(model)
        self.model_size = self.target.get_reference_stats()
        self.grouped_patterns = {pattern: [] for pattern in patterns}
        for index, layer in enumerate(model.layers):
            if self.layer_indexes is not None and index not in self.layer_indexes:
                continue
            for pattern in self.grouped_patterns:
                if re.match(pattern, layer.name):
                    self.grouped_patterns[pattern].append(layer.name)
        self.costs = [(pattern, sum(self.model_size[name]["total"] for name in self.grouped_patterns[pattern]
                                    if name in self.model_size)) for pattern in patterns]
        if self.schedule_block == "cost":
            self.costs.sort(key=lambda pair: -pair[1])

    def retrieve_max_block(self) -> Iterator[tuple[str, float]]:
        yield from self.costs

    def _block_trials(self, max_trials: float, cost: float) -> int:
        """The block's share of max_trials by cost, but at least MIN_BLOCK_TRIALS (never more than max_trials
        for that floor: a user asking for 2 trials gets 2 per block)."""
        return int(max(min(MIN_BLOCK_TRIALS, max_trials), max_trials * cost / self.reference_size))

    def fit(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """Searches every block in turn; fit's arguments go to each block's AutoQKeras.fit."""
        self.history = []
        self.compute_block_costs(self.blocks, self.model)
        max_trials = self.tuner_kwargs.get("max_trials")
        lr = learning_rate_of(self.model.optimizer)
        model, frozen_layers = self.model, []
        for i, (pattern, cost) in enumerate(self.retrieve_max_block()):
            new_frozen = self.grouped_patterns[pattern]
            if not self.overwrite and i < self.next_block:
                print("Resume tuning. Skipping block ", i)
                frozen_layers += new_frozen
                continue
            print(f"... block cost: {cost:.0f} / {self.reference_size:.0f}")
            if max_trials:
                self.tuner_kwargs["max_trials"] = self._block_trials(float(max_trials), cost)
                print(f"... adjusting max_trials for this block to {self.tuner_kwargs['max_trials']}")
            limit = self.get_limit(model, pattern)
            if not limit:
                raise ValueError(f"block {pattern!r} matches no layer the limit quantizes "
                                 f"(its layers: {new_frozen}); check the block and limit patterns")
            print(f"Pattern {i} is : {limit}")
            if self.debug:
                frozen_layers += new_frozen
                continue
            self.autoqk = AutoQKeras(
                model, self.metrics, custom_objects=self.custom_objects, goal=self.target,
                output_dir=os.path.join(self.output_dir, str(i)), mode=self.mode,
                transfer_weights=self.transfer_weights, frozen_layers=frozen_layers,
                activation_bits=self.activation_bits, limit=limit, tune_filters=self.tune_filters,
                tune_filters_exceptions=self.tune_filters_exceptions, layer_indexes=self.layer_indexes,
                learning_rate_optimizer=self.learning_rate_optimizer, quantization_config=self.quantization_config,
                overwrite=self.overwrite, head_name=self.head_name, **self.tuner_kwargs)
            self.autoqk.fit(*fit_args, **fit_kwargs)
            self.autoqk.tuner.results_summary()
            self.history.append(self.autoqk.history())
            model = self.autoqk.get_best_model()
            self.learning_rate = learning_rate_of(model.optimizer)
            # the next block starts from this model at the user's learning rate
            model.compile(fresh_optimizer(self.model.optimizer, lr), loss=self.model.loss,
                          metrics=list(self.metrics) if not isinstance(self.metrics, dict) else dict(self.metrics))
            frozen_layers += new_frozen
            os.makedirs(self.output_dir, exist_ok=True)
            # built now so the saved file holds the optimizer state the loaded, compiled model expects
            model.optimizer.build(model.trainable_variables)
            model.save(self._block_path(i))
            self.next_block = i + 1
            with open(os.path.join(self.output_dir, "scheduler.json"), "w") as f:
                json.dump({"next_block": self.next_block}, f)
        if self.debug:
            return
        self.best_model = model
        for name in frozen_layers:
            model.get_layer(name).trainable = True

    def get_history(self) -> list[dict]:
        return self.history

    def get_best_model(self) -> keras.Model | None:
        """The model after the last block (None before fit)."""
        if self.autoqk is None:
            return None
        self.autoqk.hypermodel.target.print_stats()
        print_qmodel_summary(self.best_model)
        return self.best_model

    def get_learning_rate(self) -> float:
        return self.learning_rate


__all__ = ["AutoQKerasScheduler"]
