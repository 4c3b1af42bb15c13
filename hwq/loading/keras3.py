"""hwq.load_model(): .keras files saved by hwq, or by the qkeras-v3 package, without qkeras installed.

qkeras-v3 registers its classes with Keras as "qkeras>NAME" (modules qkeras.qlayers, qkeras.quantizers,
...). hwq registers the same names as "hwq>NAME", so a qkeras-v3 file loads once its config.json says
"hwq>" where it said "qkeras>". The rewritten config goes into a temporary copy of the archive, which
Keras then loads as usual (the weights file is copied byte for byte: variables are stored by layer
path, which comes from the class name both packages share).
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import h5py
import keras

from hwq.loading.errors import ModelLoadError, where
from hwq.loading.layers import drop_unused_keras3_fields
from hwq.loading.legacy import load_legacy_h5_model

QKERAS_PACKAGE = "qkeras"
CONFIG_FILE = "config.json"


def load_model(path: str | os.PathLike, custom_objects: dict | None = None, compile: bool = True,
               safe_mode: bool = True) -> keras.Model:
    """A model from a .keras file (hwq's or qkeras-v3's) or a tf.keras 2 whole-model .h5 file."""
    path = Path(path)
    if not path.is_file():
        raise ModelLoadError(f"{path}: no such file")
    if h5py.is_hdf5(path):
        return load_legacy_h5_model(path)
    if not zipfile.is_zipfile(path):
        raise ModelLoadError(f"{path}: neither a .keras archive nor an HDF5 file")
    with zipfile.ZipFile(path) as archive:
        if CONFIG_FILE not in archive.namelist():
            raise ModelLoadError(f"{path}: a zip archive without {CONFIG_FILE}, so not a .keras file")
        config = json.loads(archive.read(CONFIG_FILE))
    rewritten = hwq_names(config)
    if rewritten == config:
        return _keras_load(path, path, custom_objects, compile, safe_mode)
    with tempfile.TemporaryDirectory(prefix="hwq_load_") as tmp:
        copy = Path(tmp) / path.name
        _write_with_config(path, copy, rewritten)
        return _keras_load(path, copy, custom_objects, compile, safe_mode)


def hwq_names(config: Any, layer: str | None = None) -> Any:
    """A Keras 3 config with every qkeras object (registered "qkeras>NAME" or in a qkeras.* module)
    renamed to hwq's class of the same name; an error naming the layer if hwq has no such class."""
    if isinstance(config, list):
        return [hwq_names(v, layer) for v in config]
    if not isinstance(config, dict):
        return config
    inner = config.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("name"), str) and "class_name" in config:
        layer = inner["name"]  # quantizers, initializers and constraints have no name: keep the layer's
    out = {k: hwq_names(v, layer) for k, v in config.items()}
    if _is_qkeras(config):
        out = _renamed(out, layer)
    return out


def _is_qkeras(obj: dict) -> bool:
    registered, module = obj.get("registered_name"), obj.get("module")
    return ((isinstance(registered, str) and registered.split(">", 1)[0] == QKERAS_PACKAGE)
            or (isinstance(module, str) and module.split(".", 1)[0] == QKERAS_PACKAGE))


def _renamed(obj: dict, layer: str | None) -> dict:
    registered = obj.get("registered_name")
    name = registered.split(">", 1)[1] if isinstance(registered, str) and ">" in registered else obj.get("class_name")
    cls = keras.saving.get_registered_object(f"hwq>{name}")
    if cls is None:
        raise ModelLoadError(f"{where(layer, class_name=name)}: the qkeras object {registered or name!r} "
                             f"(module {obj.get('module')!r}) has no hwq counterpart")
    out = {**obj, "module": cls.__module__, "registered_name": f"hwq>{name}"}
    if isinstance(cls, type) and issubclass(cls, keras.layers.Layer) and isinstance(obj.get("config"), dict):
        out["config"] = drop_unused_keras3_fields(obj["config"], layer, name)
    return out


def _write_with_config(source: Path, target: Path, config: dict) -> None:
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = json.dumps(config).encode() if item.filename == CONFIG_FILE else src.read(item.filename)
            dst.writestr(item, data)


def _keras_load(original: Path, path: Path, custom_objects, compile: bool, safe_mode: bool) -> keras.Model:
    try:
        return keras.saving.load_model(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    except ModelLoadError:
        raise
    except Exception as err:  # Keras raises several types; the message names the layer or weight it failed on
        raise ModelLoadError(f"{original}: Keras could not load it: {err}") from err
