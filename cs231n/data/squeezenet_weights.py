"""SqueezeNet 1.1 ImageNet weights: the official files if present, else built from a Core ML copy.

Two official files may be in the data folder (``cs231n data fetch squeezenet``):
torchvision's ``squeezenet1_1-b8a52dc0.pth`` and the course's TensorFlow checkpoint.
Offline, ``squeezenet/SqueezeNetFP16.mlmodel`` holds DeepScale's Caffe SqueezeNet 1.1
ImageNet weights (float16, in a Core ML protobuf; see the README.md next to it). They
are *not* the course's weights (another training run), but the same architecture.
:func:`build_squeezenet` converts them once into ``cache_root()/squeezenet/`` with
torchvision's key names and layouts; :func:`pretrained_weights` returns whichever is here.

Reading the Core ML file
------------------------
Its 26 convolution layers (65 layers with the ReLUs, pools, concats and the softmax) are
in order conv1, fire2..fire9 (squeeze1x1, expand1x1, expand3x3), conv10; the weights are
``[outputChannels, kernelChannels, kH, kW]`` (torch's ``(F, C, KH, KW)``), float16.
The protobuf classes come from ``coremltools`` (``pip install -e '.[coreml]'``).

Folding the preprocessing into conv1
------------------------------------
The Core ML model wants BGR pixels ``z`` in 0..255 and computes ``u = s * z + beta``
(its ``scaler``: channel scale ``s = 1``, biases ``beta``), then conv1
``y = sum_c' W[:, c'] * u[c'] + b`` over BGR channels ``c'``. The file stores
``beta = (+104, +117, +123)``, but the network was trained on ``z - (104, 117, 123)``:
measured on ``imagenet_val_25.npz``, ``beta = -(104, 117, 123)`` gives 13/25 top-1 (the
README's number), taking the file literally (adding them) 4/25, and swapping kH and kW
5/25 (tests/test_squeezenet.py checks the first two). So the stored biases are read as the
means to subtract: ``u = s * z - m`` with ``m = (104, 117, 123)`` (BGR).

The course feeds RGB ``x_n[c] = (x[c] / 255 - mean[c]) / std[c]``, so the raw pixel is
``x[c] = 255 * (std[c] * x_n[c] + mean[c])`` and BGR channel ``c' = 2 - c``. Then

    y = sum_c W[:, 2-c] * (s * 255 * std[c] * x_n[c] + s * 255 * mean[c] - m[2-c]) + b

so with ``W'[:, c] = s * 255 * std[c] * W[:, 2-c]`` and
``b' = b + sum_{c, i, j} W[:, 2-c, i, j] * (s * 255 * mean[c] - m[2-c])`` conv1 on the
course's input equals the original on raw BGR input. This is exact because conv1 has no
padding: every tap of every output sees a real pixel, so the constant term is the same
everywhere (with zero padding the border taps would see ``0`` instead of ``-mean/std``).

Rescaling the blocks to the course's feature scale
--------------------------------------------------
DeepScale's activations are about 35 times the course's (another training, another scale),
so the course's style-transfer weights, tuned to its network, would see a content loss
~1250 times and a style loss ~8.8e5 times the course's. A ReLU network is positively
homogeneous: with block outputs ``y_k`` (conv1, fire2, ..., fire9 of ``features``) and
``s_k > 0``, multiplying the weights and biases of the convs that *produce* block k's output
(conv1; a Fire's two expand convs) by ``s_k`` and dividing the weights of the conv that
*consumes* it (the next squeeze conv; after fire9 the classifier conv) by ``s_k`` (biases
unchanged) gives outputs ``s_k * y_k`` while everything a consumer computes stays the same:
ReLUs, max pools and the concat commute with a positive scalar, and a Fire's squeeze output is
unchanged. So the logits are exactly the same (:func:`rescale_blocks`, tested in float64).

The scales come from the course's ``cs231n_extras/style-transfer-checks.npz`` (computed with
its own weights, see :func:`cs231n.style_transfer_pytorch.official_check_values`):
``cl_out`` (content loss at ``features[3]``, fire2) scales as ``s_fire2**2`` and the normalized
Gram matrix ``gm_out`` of ``features[5]`` (the pool after fire3) as ``s_fire3**2``, so

    s_fire2 = sqrt(cl_course / cl_built),     s_fire3 = sqrt(|gm_course|_F / |gm_built|_F)

fit those two exactly. Nothing else is determined by the data, so the other blocks follow
the same geometric progression in the block index, ``r = s_fire3 / s_fire2`` per block:
``s_conv1 = s_fire2 / r``, ``s_fire4 = s_fire3 * r``, ``s_fire5 = s_fire3 * r**2``, and
fire6..fire9 (which the course's losses never read) stay at ``s_fire5``
(:func:`scales_from_ratios`; the scales are rounded to 6 significant digits so a rebuild
writes the same bytes). ``sl_out`` (style loss over conv1, fire3, fire4, fire5) is *not*
fitted: it validates the rule, and comes out at 0.68 times the course's value (a flat rule,
every other block at the nearest fitted scale, would give 0.97, but choosing it after seeing
``sl_out`` would be fitting it). Without the check file (or its two images) the weights are
built unscaled and ``.source`` says so.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cs231n.data.registry import DatasetName
from cs231n.data_utils import SQUEEZENET1_1_SHAPES, SQUEEZENET_PTH, SQUEEZENET_TF
from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD
from cs231n.paths import DatasetNotFoundError, cache_root, require

__all__ = [
    "MLMODEL",
    "FORMAT_VERSION",
    "PretrainedWeights",
    "CoreMLSqueezeNet",
    "read_coreml_squeezenet",
    "fold_preprocessing",
    "BLOCKS",
    "rescale_blocks",
    "scales_from_ratios",
    "checks_path",
    "course_scales",
    "built_path",
    "is_built",
    "mlmodel_path",
    "build_squeezenet",
    "load_built",
    "built_weights",
    "official_pth",
    "official_tf_checkpoint",
    "pretrained_weights",
]

MLMODEL = "SqueezeNetFP16.mlmodel"
#: Bumped whenever the layout of the built file changes: older files are rebuilt.
FORMAT_VERSION = 2  # 2: blocks rescaled to the course's feature scale, block_scales stored
NUM_PARAMS = 1_235_496

#: Core ML layer name -> torchvision key prefix, in the file's order.
_FIRES = {2: 3, 3: 4, 4: 6, 5: 7, 6: 9, 7: 10, 8: 11, 9: 12}  # fireK -> features.I
_CONV_NAMES = {"conv1": "features.0", "conv10": "classifier.1"}
for _k, _i in _FIRES.items():
    _CONV_NAMES[f"fire{_k}/squeeze1x1"] = f"features.{_i}.squeeze"
    _CONV_NAMES[f"fire{_k}/expand1x1"] = f"features.{_i}.expand1x1"
    _CONV_NAMES[f"fire{_k}/expand3x3"] = f"features.{_i}.expand3x3"

#: The blocks of ``features`` that :func:`rescale_blocks` scales, in order, with their key prefix.
BLOCKS = {"conv1": "features.0", **{f"fire{k}": f"features.{i}" for k, i in _FIRES.items()}}
#: The course's check file, relative to the data folder (it holds ``cl_out`` and ``gm_out``).
CHECKS = Path("cs231n_extras") / "style-transfer-checks.npz"


@dataclass(frozen=True)
class PretrainedWeights:
    """SqueezeNet 1.1 ImageNet weights for :class:`cs231n.frameworks.squeezenet_torch.SqueezeNet`.

    Attributes:
        state: torchvision key -> float32 array with the shapes of
            :data:`cs231n.data_utils.SQUEEZENET1_1_SHAPES` (conv weights ``(F, C, KH, KW)``).
        source: one sentence saying which weights these are.
        class_names: the 1000 ImageNet class names in index order, or ``None``.
    """

    state: dict[str, np.ndarray]
    source: str
    class_names: list[str] | None


@dataclass(frozen=True)
class CoreMLSqueezeNet:
    """What :func:`read_coreml_squeezenet` finds in the Core ML file (not yet folded).

    Attributes:
        state: torchvision key -> float32 array; conv1 ``(64, 3, 3, 3)`` over **BGR** channels.
        bgr_mean: ``(3,)`` float64, what the network subtracts from BGR 0..255 pixels.
        channel_scale: the scaler's multiplier (1 in this file).
        class_names: the 1000 class names.
    """

    state: dict[str, np.ndarray]
    bgr_mean: np.ndarray
    channel_scale: float
    class_names: list[str]


def _sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def mlmodel_path(path=None) -> Path:
    """The Core ML file: ``path``, else ``data_root()/squeezenet/SqueezeNetFP16.mlmodel``
    (by the path rule of :func:`cs231n.paths.require`)."""
    return require(DatasetName.SQUEEZENET, path, default=Path("squeezenet") / MLMODEL)


def _model_pb2():
    try:
        from coremltools.proto import Model_pb2  # lazily: only building needs it
    except ImportError as e:
        raise ImportError(
            "read_coreml_squeezenet: reading the Core ML SqueezeNet needs the protobuf classes "
            f"of coremltools, which is not installed ({e}). Install it with: "
            "pip install -e '.[coreml]'"
        ) from e
    return Model_pb2


def _weights(params, shape: tuple[int, ...], what: str) -> np.ndarray:
    """A Core ML ``WeightParams`` as a float32 array of ``shape``."""
    if len(params.float16Value):
        a = np.frombuffer(params.float16Value, dtype="<f2")
    else:
        a = np.asarray(params.floatValue, dtype=np.float32)
    if a.size != int(np.prod(shape)):
        raise ValueError(f"read_coreml_squeezenet: {what} has {a.size} numbers, expected {shape}")
    return a.astype(np.float32).reshape(shape)


def read_coreml_squeezenet(path=None) -> CoreMLSqueezeNet:
    """Read DeepScale's SqueezeNet 1.1 from the Core ML file, checking every layer.

    Args:
        path: the ``.mlmodel`` (default: the one in the data folder, see :func:`mlmodel_path`).

    Returns:
        a :class:`CoreMLSqueezeNet` with torchvision keys and shapes (1,235,496 numbers).

    Raises:
        ValueError: the file is not this SqueezeNet (layer names, shapes, padding, count).
        ImportError: coremltools is missing.
    """
    path = mlmodel_path(path)
    pb = _model_pb2()
    model = pb.Model()
    try:
        model.ParseFromString(path.read_bytes())
    except Exception as e:  # protobuf's DecodeError
        raise ValueError(f"read_coreml_squeezenet: {path} is not a Core ML model: {e}") from e
    if model.WhichOneof("Type") != "neuralNetworkClassifier":
        raise ValueError(
            f"read_coreml_squeezenet: {path} holds a {model.WhichOneof('Type')!r}, "
            "expected a 'neuralNetworkClassifier'"
        )
    nn = model.neuralNetworkClassifier
    if len(nn.layers) != 65:
        raise ValueError(f"read_coreml_squeezenet: {path} has {len(nn.layers)} layers, expected 65")
    state: dict[str, np.ndarray] = {}
    for layer in nn.layers:
        if layer.WhichOneof("layer") != "convolution":
            continue
        if layer.name not in _CONV_NAMES:
            raise ValueError(f"read_coreml_squeezenet: unexpected conv layer {layer.name!r}")
        key, conv = _CONV_NAMES[layer.name], layer.convolution
        w_shape = SQUEEZENET1_1_SHAPES[f"{key}.weight"]  # (F, C, KH, KW)
        got = (conv.outputChannels, conv.kernelChannels, *conv.kernelSize)
        if got != w_shape or conv.nGroups > 1 or conv.isDeconvolution or not conv.hasBias:
            raise ValueError(
                f"read_coreml_squeezenet: {layer.name} is {got} (groups {conv.nGroups}), "
                f"expected {w_shape}, one group, with a bias"
            )
        pads = [(b.startEdgeSize, b.endEdgeSize) for b in conv.valid.paddingAmounts.borderAmounts]
        want_pad = w_shape[-1] // 2  # expand3x3: 1 on every side; conv1 and 1x1 convs: 0
        if key == "features.0":
            want_pad = 0
        if conv.WhichOneof("ConvolutionPaddingType") != "valid" or any(
            p != (want_pad, want_pad) for p in pads or [(0, 0)]
        ):
            raise ValueError(f"read_coreml_squeezenet: {layer.name} has padding {pads}")
        state[f"{key}.weight"] = _weights(conv.weights, w_shape, f"{layer.name} weights")
        state[f"{key}.bias"] = _weights(conv.bias, w_shape[:1], f"{layer.name} bias")
    missing = sorted(set(SQUEEZENET1_1_SHAPES) - set(state))
    if missing:
        raise ValueError(f"read_coreml_squeezenet: {path} lacks {missing}")
    total = sum(a.size for a in state.values())
    if total != NUM_PARAMS:
        raise ValueError(f"read_coreml_squeezenet: {total} parameters, expected {NUM_PARAMS}")
    (scaler,) = [p.scaler for p in nn.preprocessing if p.WhichOneof("preprocessor") == "scaler"]
    # The file stores +104, +117, +123 but the network subtracts them (see the module
    # docstring); abs() reads a copy that stores them with Core ML's sign (-104) the same way.
    bgr_mean = np.abs([scaler.blueBias, scaler.greenBias, scaler.redBias]).astype(np.float64)
    names = list(nn.stringClassLabels.vector)
    if len(names) != 1000:
        raise ValueError(f"read_coreml_squeezenet: {len(names)} class names, expected 1000")
    return CoreMLSqueezeNet(state, bgr_mean, float(scaler.channelScale or 1.0), names)


def fold_preprocessing(
    weight: np.ndarray,
    bias: np.ndarray,
    bgr_mean: np.ndarray,
    channel_scale: float = 1.0,
    mean: np.ndarray = SQUEEZENET_MEAN,
    std: np.ndarray = SQUEEZENET_STD,
) -> tuple[np.ndarray, np.ndarray]:
    """conv1 for the course's RGB input from conv1 for raw BGR input (see the module docstring).

    Args:
        weight: ``(F, 3, KH, KW)`` over BGR channels, applied to ``channel_scale * z - bgr_mean``.
        bias: ``(F,)``.
        bgr_mean: ``(3,)``, subtracted from the BGR pixels ``z`` (0..255).
        channel_scale: the Core ML scaler's multiplier ``s``.
        mean, std: ``(3,)`` RGB, the course's ``x_n = (x / 255 - mean) / std``.

    Returns:
        ``(weight', bias')`` of shapes ``(F, 3, KH, KW)`` (RGB) and ``(F,)``, in the dtype of
        ``weight``. Exact only for a conv without padding (conv1 of SqueezeNet).
    """
    weight = np.asarray(weight)
    if weight.ndim != 4 or weight.shape[1] != 3:
        raise ValueError(f"fold_preprocessing: weight must be (F, 3, KH, KW), got {weight.shape}")
    dt = weight.dtype
    w_rgb = weight[:, ::-1]  # (F, 3, KH, KW): channel c is BGR channel 2 - c
    scale = channel_scale * 255.0 * np.asarray(std, dt)  # (3,) RGB
    shift = channel_scale * 255.0 * np.asarray(mean, dt) - np.asarray(bgr_mean, dt)[::-1]  # (3,)
    new_w = w_rgb * scale[None, :, None, None]
    new_b = np.asarray(bias, dt) + np.einsum("fchw,c->f", w_rgb, shift)
    return np.ascontiguousarray(new_w), new_b


# --------------------------------------------------------------------- the feature scale


def rescale_blocks(state: dict[str, np.ndarray], scales: dict[str, float]) -> dict[str, np.ndarray]:
    """Scale every block's output by ``scales[block]`` with the same logits (module docstring).

    Block k's producing convs (conv1, or a Fire's expand1x1 and expand3x3) get weights and
    biases times ``s_k``; the conv that consumes it (the next squeeze conv, or the classifier
    conv after fire9) gets weights divided by ``s_k``, biases unchanged.

    Args:
        state: torchvision key -> array (shapes of :data:`cs231n.data_utils.SQUEEZENET1_1_SHAPES`).
        scales: block name (every key of :data:`BLOCKS`) -> ``s_k > 0``.

    Returns:
        a new state with the same keys, shapes and dtypes (``state`` is not modified):
        ``features[i]`` of the new network is ``s_k`` times the old one for block k, and the
        logits are unchanged (up to rounding in the arrays' dtype).
    """
    if set(scales) != set(BLOCKS):
        raise ValueError(
            f"rescale_blocks: scales must name the blocks {list(BLOCKS)}, got {sorted(scales)}"
        )
    bad = {k: v for k, v in scales.items() if not (np.isfinite(v) and v > 0)}
    if bad:
        raise ValueError(f"rescale_blocks: every scale must be finite and > 0, got {bad}")
    out = dict(state)
    prev = 1.0  # the scale of the current block's input (the image: 1)
    for name, prefix in BLOCKS.items():
        s = float(scales[name])
        if name == "conv1":
            producers = [prefix]
        else:
            squeeze = f"{prefix}.squeeze.weight"
            out[squeeze] = state[squeeze] / prev  # undoes the input's scale: squeeze output same
            producers = [f"{prefix}.expand1x1", f"{prefix}.expand3x3"]
        for p in producers:
            out[f"{p}.weight"] = state[f"{p}.weight"] * s
            out[f"{p}.bias"] = state[f"{p}.bias"] * s
        prev = s
    out["classifier.1.weight"] = state["classifier.1.weight"] / prev  # same logits
    return out


def scales_from_ratios(cl_ratio: float, gm_ratio: float) -> dict[str, float]:
    """The block scales from the two check ratios (the rule of the module docstring).

    Args:
        cl_ratio: ``cl_out`` of the course over ``cl_out`` of these weights (= ``s_fire2**2``).
        gm_ratio: ``|gm_out|_F`` of the course over that of these weights (= ``s_fire3**2``).

    Returns:
        block name -> scale, for every block of :data:`BLOCKS`: fire2 and fire3 fitted, conv1,
        fire4, fire5 geometric in the block index, fire6..fire9 equal to fire5; each rounded to
        6 significant digits.
    """
    if not (cl_ratio > 0 and gm_ratio > 0 and np.isfinite(cl_ratio) and np.isfinite(gm_ratio)):
        raise ValueError(
            f"scales_from_ratios: both ratios must be finite and > 0, got {cl_ratio}, {gm_ratio}"
        )
    s2, s3 = float(np.sqrt(cl_ratio)), float(np.sqrt(gm_ratio))
    r = s3 / s2  # the factor per block
    scales = {"conv1": s2 / r, "fire2": s2, "fire3": s3, "fire4": s3 * r, "fire5": s3 * r * r}
    scales.update({f"fire{k}": scales["fire5"] for k in (6, 7, 8, 9)})
    return {k: float(f"{v:.6g}") for k, v in scales.items()}


def checks_path() -> Path | None:
    """``cs231n_extras/style-transfer-checks.npz`` if it and its two images (tubingen and
    starry_night) are in the data folder, else None."""
    try:
        from cs231n.image_utils import resolve_image_path
        from cs231n.style_transfer_pytorch import CHECK_CONTENT, CHECK_STYLE

        for image in (CHECK_CONTENT, CHECK_STYLE):
            resolve_image_path(image)
        return require(DatasetName.EXTRAS, None, default=CHECKS)
    except (DatasetNotFoundError, FileNotFoundError):
        return None


def course_scales(state: dict[str, np.ndarray], checks=None) -> dict[str, float]:
    """Measure ``cl_out`` and ``gm_out`` with ``state`` and return :func:`scales_from_ratios`.

    Args:
        state: unscaled weights (torchvision keys, float32 arrays).
        checks: the course's check file (default :func:`checks_path`).

    Returns:
        block name -> scale (every key of :data:`BLOCKS`).
    """
    import torch

    from cs231n.frameworks.squeezenet_torch import SqueezeNet
    from cs231n.style_transfer_pytorch import official_check_values

    checks = checks_path() if checks is None else checks
    if checks is None:
        raise ValueError(f"course_scales: {CHECKS} or its two images are not in the data folder")
    model = SqueezeNet()
    model.load_state_dict(
        {k: torch.from_numpy(np.asarray(v, np.float32)) for k, v in state.items()}
    )
    built = official_check_values(model.features.eval())
    with np.load(checks) as course:
        cl_ratio = float(course["cl_out"]) / float(built["cl_out"])
        gm_ratio = float(np.linalg.norm(course["gm_out"])) / float(np.linalg.norm(built["gm_out"]))
    return scales_from_ratios(cl_ratio, gm_ratio)


# --------------------------------------------------------------------- the built file


def built_path() -> Path:
    """Where :func:`build_squeezenet` writes: ``cache_root()/squeezenet/SqueezeNetFP16.npz``."""
    return cache_root() / "squeezenet" / (Path(MLMODEL).stem + ".npz")


def _calibration_key() -> str:
    """The sha256 of the check file the build calibrates with, or "" (built unscaled)."""
    try:
        checks = checks_path()
    except ImportError:  # no torch: the check values cannot be measured, so build unscaled
        return ""
    return _sha256(checks) if checks is not None else ""


def _built_is_valid(path: Path, sha: str) -> bool:
    try:
        with np.load(path, allow_pickle=False) as f:
            ok = int(f["format_version"]) == FORMAT_VERSION and str(f["source_sha256"]) == sha
            ok = ok and str(f["checks_sha256"]) == _calibration_key()
            ok = ok and f["block_scales"].shape == (len(BLOCKS),)
            ok = ok and all(
                k in f.files and f[k].shape == s and f[k].dtype == np.float32
                for k, s in SQUEEZENET1_1_SHAPES.items()
            )
            return ok and f["class_names"].shape == (1000,)
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
        return False


def is_built(source=None) -> bool:
    """True when :func:`built_path` holds a valid build of the current ``.mlmodel``
    (same checksum, format version, keys and shapes, calibrated with the check file now in
    the data folder or with none): :func:`build_squeezenet` would skip."""
    out = built_path()
    return out.is_file() and _built_is_valid(out, _sha256(mlmodel_path(source)))


def build_squeezenet(force: bool = False, source=None) -> Path:
    """Convert the Core ML SqueezeNet into ``cache_root()/squeezenet/SqueezeNetFP16.npz``.

    The file holds float32 arrays under torchvision's keys (conv1 folded for the course's
    normalised RGB input, then the blocks rescaled to the course's feature scale by
    :func:`rescale_blocks` with :func:`course_scales` when :func:`checks_path` finds the
    check file and torch is installed, else unscaled), ``block_scales`` ``(9,)`` (the
    scales of :data:`BLOCKS`, all 1 when unscaled), ``checks_sha256`` (of the check file,
    "" when unscaled), ``class_names`` (1000,), ``source_sha256`` (of the ``.mlmodel``)
    and ``format_version``. It is written atomically (temporary file, then ``os.replace``).

    Args:
        force: rebuild even when a valid file is there.
        source: the ``.mlmodel`` (default: the data folder's, see :func:`mlmodel_path`).

    Returns:
        the path of the built file. A present file whose checksum, version or contents do
        not match (stale or corrupted, or calibrated with another check file) is rebuilt.
    """
    src = mlmodel_path(source)
    sha = _sha256(src)
    out = built_path()
    if not force and out.is_file() and _built_is_valid(out, sha):
        return out
    coreml = read_coreml_squeezenet(src)
    state = dict(coreml.state)
    w, b = fold_preprocessing(
        state["features.0.weight"].astype(np.float64),
        state["features.0.bias"].astype(np.float64),
        coreml.bgr_mean,
        coreml.channel_scale,
    )
    state["features.0.weight"], state["features.0.bias"] = (
        w.astype(np.float32),
        b.astype(np.float32),
    )
    checks_sha = _calibration_key()
    scales = dict.fromkeys(BLOCKS, 1.0)
    if checks_sha:
        scales = course_scales(state)  # measured on the unscaled float32 weights
        scaled = rescale_blocks({k: v.astype(np.float64) for k, v in state.items()}, scales)
        state = {k: v.astype(np.float32) for k, v in scaled.items()}
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=out.parent, prefix=out.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez(
                fh,
                **state,
                class_names=np.array(coreml.class_names),
                block_scales=np.array([scales[k] for k in BLOCKS]),
                checks_sha256=np.array(checks_sha),
                source_sha256=np.array(sha),
                format_version=np.array(FORMAT_VERSION),
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the cache is an ordinary file
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out


def load_built(path=None) -> PretrainedWeights:
    """Read a file written by :func:`build_squeezenet` (default :func:`built_path`).

    Returns:
        :class:`PretrainedWeights` with the folded (and rescaled) state, the class names and a
        ``source`` naming the file and whether its blocks were rescaled.
    """
    path = Path(path) if path is not None else built_path()
    with np.load(path, allow_pickle=False) as f:
        state = {k: f[k] for k in SQUEEZENET1_1_SHAPES}
        names = [str(s) for s in f["class_names"]]
        rescaled = bool(str(f["checks_sha256"]))
    scale = (
        "blocks rescaled to the course's feature scale (logits unchanged)"
        if rescaled
        else "blocks NOT rescaled to the course's feature scale (at build time the data "
        f"folder had no {CHECKS.as_posix()} with its two images, or torch was missing)"
    )
    source = (
        f"SqueezeNet 1.1 weights {path}, built from DeepScale's Caffe weights "
        f"(Core ML copy {MLMODEL}), not the course's weights; {scale}"
    )
    return PretrainedWeights(state, source, names)


def built_weights() -> PretrainedWeights:
    """The weights built from the Core ML file (building them on first use)."""
    return load_built(build_squeezenet())


def official_pth() -> Path | None:
    """torchvision's ``squeezenet1_1-b8a52dc0.pth`` if it is in the data folder, else None."""
    try:
        return require(DatasetName.SQUEEZENET, None, default=Path("squeezenet") / SQUEEZENET_PTH)
    except DatasetNotFoundError:
        return None


def official_tf_checkpoint() -> Path | None:
    """The course's checkpoint prefix (``.../squeezenet.ckpt``) if its ``.index`` is here."""
    try:
        index = require(
            DatasetName.SQUEEZENET, None, default=Path("squeezenet") / f"{SQUEEZENET_TF}.index"
        )
    except DatasetNotFoundError:
        return None
    return index.with_name(index.name[: -len(".index")])


def pretrained_weights() -> PretrainedWeights:
    """SqueezeNet 1.1 ImageNet weights for the PyTorch model.

    Returns:
        torchvision's official ``.pth`` (via :func:`cs231n.data_utils.load_squeezenet_state_dict`,
        ``class_names`` None) when it is in the data folder, else :func:`built_weights`.
        Print ``.source`` to say which.
    """
    pth = official_pth()
    if pth is not None:
        from cs231n.data_utils import load_squeezenet_state_dict

        state = {
            k: v.numpy().astype(np.float32) for k, v in load_squeezenet_state_dict(pth).items()
        }
        return PretrainedWeights(
            state, f"torchvision's official SqueezeNet 1.1 weights {pth}", None
        )
    return built_weights()
