"""Convert the trained Keras model into a TF.js model in web/model/.

Output: model.json (topology + weights manifest) and binary weight shards,
written by the Python `tensorflowjs` converter, plus metadata.json that tells
the page what the model expects and how good it is.

The swap is atomic: everything is built in a temporary folder beside
web/model and exchanged with it in one rename, so a failed or killed export
leaves the previous model exactly as it was.
"""

import json
import os
import shutil
import time
import warnings
from pathlib import Path

from .files import sha256
from .errors import UserError
from .preprocess import PREPROCESS_VERSION, SIZE
from .site import replace_folder, weight_shards
from .tfjs_import import import_tensorflowjs

# What the page must feed the model (preprocess.py says how drawings become it).
INPUT_SPEC = {
    "shape": [None, SIZE * SIZE],
    "dtype": "float32",
    "layout": f"{SIZE}x{SIZE} row-major, flattened",
    "range": [0.0, 1.0],
    "ink": "1 = ink, 0 = background (MNIST / 255)",
}


class ExportError(UserError):
    """A problem the user can fix; the CLI prints it as one line."""


# Weight storage: float32 as trained, or the converter's float16 / uint8
# quantization (2 / 1 bytes a weight). `make bench` measures what each costs.
QUANTIZATIONS = ("float32", "float16", "uint8")
DEFAULT_QUANTIZATION = "uint8"  # `make bench`: loses nothing measurable, 1/4 of the bytes


def export(model_dir="build", web_dir="web", quantization=DEFAULT_QUANTIZATION):
    """Write web/model from model_dir/model.keras + metrics.json; returns the folder."""
    if quantization not in QUANTIZATIONS:
        raise ExportError(f"unknown quantization {quantization!r}; use one of {', '.join(QUANTIZATIONS)}")
    model_path, metrics_path = Path(model_dir) / "model.keras", Path(model_dir) / "metrics.json"
    if not model_path.is_file() or not metrics_path.is_file():
        raise ExportError(f"no trained model in {model_dir}/ (model.keras, metrics.json); run `make train` first")
    target = Path(web_dir) / "model"
    try:  # before the slow conversion: a folder we cannot write to fails at once
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"cannot write to {target.parent}/: {exc.strerror or exc}") from None

    metrics = json.loads(metrics_path.read_text())
    for name, digest in metrics.get("files", {}).items():  # written by one training run, or refused
        path = Path(model_dir) / name
        if not path.is_file() or sha256(path) != digest:
            raise ExportError(f"{path} is not the file {metrics_path} describes (an interrupted or failed "
                              "training run?); run `make train` again")

    def fill(tmp):
        try:
            _convert(model_path, tmp, quantization)
        except Exception as exc:
            import tensorflow as tf
            if isinstance(exc, tf.errors.OpError):  # the converter writes through TensorFlow's files
                raise OSError(exc.message) from None  # e.g. "...shard1of1.bin; No space left on device"
            raise
        try:  # NaN or Infinity in model.json: weights that are not numbers, which the page refuses
            json.loads((tmp / "model.json").read_text(), parse_constant=_not_a_number)
        except ValueError as exc:
            raise ExportError(f"{model_path} has weights that are not finite numbers ({exc}); "
                              "train again with other settings") from None
        name_shards_by_content(tmp)
        keep_previous_shards(target, tmp)
        metadata = {**_metadata(metrics), "weights": quantization}
        (tmp / "metadata.json").write_text(json.dumps(metadata, indent=1))
        if (Path(model_dir) / "replay.bin").is_file():  # for teaching in the page
            shutil.copyfile(Path(model_dir) / "replay.bin", tmp / "replay.bin")

    try:
        replace_folder(target, fill)
    except OSError as exc:
        raise ExportError(f"export to {target}/ failed, previous model kept: {exc}") from None
    return target


def name_shards_by_content(folder):
    """Put each weight shard's hash in its name (group1-shard1of1.<sha256:16>.bin) and
    model.json's paths: a model.json and a shard from two exports can never pair up,
    and a shard's URL names its content for good (cacheable as immutable)."""
    spec = json.loads((folder / "model.json").read_text())
    for group in spec["weightsManifest"]:
        named = []
        for path in group["paths"]:
            stem, suffix = os.path.splitext(path)
            new = f"{stem}.{sha256(folder / path)[:16]}{suffix}"
            os.replace(folder / path, folder / new)
            named.append(new)
        group["paths"] = named
    (folder / "model.json").write_text(json.dumps(spec))


def keep_previous_shards(target, folder):
    """Copy the shards the current model.json names into the new folder: a visitor
    who read the old model.json mid-deploy still gets its own shard."""
    try:
        spec = json.loads((Path(target) / "model.json").read_text())
        paths = weight_shards(spec)
    except (OSError, ValueError, KeyError, TypeError):
        return  # no previous model, or not one of ours
    for path in paths:
        if "/" not in path and not (folder / path).exists() and (Path(target) / path).is_file():
            shutil.copyfile(Path(target) / path, folder / path)


def _not_a_number(name):
    raise ValueError(f"model.json holds {name}")


def _convert(model_path, out_dir, quantization="float32"):
    from .model import build_model, load
    tensorflowjs = import_tensorflowjs()
    # Re-create the model without its training-only L2 regulariser: the page
    # only predicts, and TF.js would have to deserialise it for nothing.
    trained = load(model_path)
    model = build_model(l2=0)
    model.set_weights(trained.get_weights())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the converter's own "HDF5 is legacy" notice
        tensorflowjs.converters.save_keras_model(
            model, str(out_dir),
            quantization_dtype_map=None if quantization == "float32" else {quantization: "*"})


def _metadata(metrics):
    tensorflowjs = import_tensorflowjs()
    keep = ("test_accuracy", "per_class_accuracy", "confusion_matrix", "heldout_pen", "classes", "verdict",
            "trained_on", "preprocess", "recipe", "data_sha256", "versions")
    meta = {key: metrics[key] for key in keep if key in metrics}
    meta["versions"] = {**meta.get("versions", {}), "tensorflowjs": tensorflowjs.__version__}
    # The page preprocesses drawings the way the model was trained (deskew or not).
    meta.setdefault("preprocess", {"version": PREPROCESS_VERSION, "deskew": False, "normalize_size": False})
    return {"format": "digitpad-model/1", "input": INPUT_SPEC,
            "preprocess_version": meta["preprocess"]["version"],
            "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), **meta}
