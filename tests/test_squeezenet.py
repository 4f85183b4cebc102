"""SqueezeNet 1.1 in PyTorch and Keras, its weight loaders, and the weights built from Core ML.

Without data: the layouts (torchvision keys, 1,235,496 parameters), the exactness of the
conv1 folding and of the block rescaling (float64), and both official loaders on files the
tests write in the official formats (a ``torch.save`` state dict, a TF2 object-based
checkpoint with the course's variable names). With the real data folder: the Core ML reader,
the cache, the ``cs231n data build squeezenet`` command, ImageNet top-1 in both frameworks,
and the rescaled weights against the course's style-transfer check values.
"""

import os
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from cs231n.classifiers import squeezenet as sqtf  # noqa: E402
from cs231n.data import squeezenet_weights as sw  # noqa: E402
from cs231n.data_utils import SQUEEZENET1_1_SHAPES, load_imagenet_val  # noqa: E402
from cs231n.frameworks.squeezenet_torch import SqueezeNet, squeezenet1_1  # noqa: E402
from cs231n.image_utils import SQUEEZENET_MEAN, SQUEEZENET_STD, preprocess_image  # noqa: E402
from cs231n.paths import CACHE_ENV, DATA_ENV  # noqa: E402
from cs231n.tooling import cli  # noqa: E402

pytestmark = pytest.mark.a3
torch.set_num_threads(1)

NUM_PARAMS = 1_235_496
REAL_DATA = os.environ.get(DATA_ENV)  # read before any fixture points it at a temporary folder


def rel_error(a, b) -> float:
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-30))


def random_state(rng, dtype=np.float32) -> dict[str, np.ndarray]:
    """A torchvision-keyed state with He-scaled random convs and small biases."""
    out = {}
    for k, shape in SQUEEZENET1_1_SHAPES.items():
        if k.endswith(".weight"):
            fan_in = int(np.prod(shape[1:]))
            out[k] = rng.standard_normal(shape) * np.sqrt(2.0 / fan_in)
        else:
            out[k] = 0.05 * rng.standard_normal(shape)
    return {k: v.astype(dtype) for k, v in out.items()}


def torch_model(state, dtype=torch.float32) -> SqueezeNet:
    m = SqueezeNet().to(dtype)
    m.load_state_dict({k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()})
    return m.eval()


def torch_logits(model, x_nchw: np.ndarray) -> np.ndarray:
    with torch.no_grad():
        return model(torch.from_numpy(np.ascontiguousarray(x_nchw))).numpy()


# ------------------------------------------------------------------------- layouts


def test_torch_model_has_torchvision_keys_shapes_and_parameter_count():
    model = squeezenet1_1(pretrained=False)
    shapes = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    assert shapes == SQUEEZENET1_1_SHAPES
    assert list(shapes)[:3] == ["features.0.weight", "features.0.bias", "features.3.squeeze.weight"]
    assert sum(p.numel() for p in model.parameters()) == NUM_PARAMS
    # torchvision's init: zero biases, the classifier conv N(0, 0.01)
    with torch.no_grad():
        assert float(model.features[0].bias.abs().max()) == 0.0
        assert 0.008 < float(model.classifier[1].weight.std()) < 0.012
    x = torch.zeros(2, 3, 224, 224)
    feats = model.features[:3](x)
    assert tuple(feats.shape) == (2, 64, 55, 55)  # 111 -> ceil-mode pool -> 55
    assert tuple(model.eval()(x).shape) == (2, 1000)
    with pytest.raises(ValueError, match=r"SqueezeNet.forward: x must have shape \(N, 3, H, W\)"):
        model(torch.zeros(2, 224, 224, 3))


def test_keras_model_has_the_official_layers_and_parameter_count():
    model = sqtf.SqueezeNet()
    assert model.count_params() == NUM_PARAMS
    names = [layer.name for layer in model.net.layers]
    assert names[:3] == ["features_layer0", "features_layer2", "features_layer3_fire"]
    assert names[-2:] == ["classifier_layer1", "classifier_layer3"]
    assert len(names) == 14 and sum(isinstance(m, sqtf.Fire) for m in model.net.layers) == 8
    fire = model.net.layers[2]
    assert [fire.squeeze.name, fire.expand1x1.name, fire.expand3x3.name] == [
        "squeeze",
        "e11",
        "e33",
    ]
    assert tuple(model(np.zeros((1, 224, 224, 3), np.float32)).shape) == (1, 1000)
    # the feature layers take other sizes (style transfer uses 192 px)
    x = tf.zeros((1, 192, 192, 3))
    for layer in model.net.layers[:-2]:
        x = layer(x)
    assert tuple(x.shape) == (1, 11, 11, 512)


def test_checkpoint_keys_follow_the_object_graph_of_the_official_model():
    key = sqtf.checkpoint_key
    suffix = "/.ATTRIBUTES/VARIABLE_VALUE"
    assert key("features.0", "weight") == "net/layer_with_weights-0/kernel" + suffix
    assert key("features.3.squeeze", "weight") == "net/layer_with_weights-1/squeeze/kernel" + suffix
    assert key("features.7.expand3x3", "bias") == "net/layer_with_weights-4/expand3x3/bias" + suffix
    assert key("features.12.expand1x1", "weight") == (
        "net/layer_with_weights-8/expand1x1/kernel" + suffix
    )
    assert key("classifier.1", "bias") == "net/layer_with_weights-9/bias" + suffix


def test_torch_and_keras_give_the_same_logits_on_random_weights(rng):
    state = random_state(rng)
    x = rng.standard_normal((2, 3, 224, 224)).astype(np.float32)
    a = torch_logits(torch_model(state), x)
    k = sqtf.SqueezeNet()
    sqtf.load_torch_state(k, state)
    b = k(x.transpose(0, 2, 3, 1)).numpy()  # NCHW -> NHWC
    assert a.shape == b.shape == (2, 1000)
    assert np.abs(a).max() > 0.1  # not all clipped to 0 by the final ReLU
    assert rel_error(a, b) < 1e-4


# ------------------------------------------------------------------------- folding


def test_folded_conv1_on_normalized_rgb_equals_the_original_on_raw_bgr(rng):
    state = random_state(rng, np.float64)
    bgr_mean = np.array([104.0, 117.0, 123.0])
    raw_rgb = rng.uniform(0, 255, size=(3, 3, 51, 51))  # (N, 3, H, W), RGB 0..255
    # the original network: BGR pixels minus the BGR mean
    unfolded = torch_logits(
        torch_model(state, torch.float64), raw_rgb[:, ::-1] - bgr_mean[None, :, None, None]
    )
    w, b = sw.fold_preprocessing(state["features.0.weight"], state["features.0.bias"], bgr_mean)
    assert w.dtype == np.float64 and w.shape == (64, 3, 3, 3) and b.shape == (64,)
    folded_state = {**state, "features.0.weight": w, "features.0.bias": b}
    mean = SQUEEZENET_MEAN.astype(np.float64)[None, :, None, None]
    std = SQUEEZENET_STD.astype(np.float64)[None, :, None, None]
    x_n = (raw_rgb / 255.0 - mean) / std  # the course's preprocessing
    folded = torch_logits(torch_model(folded_state, torch.float64), x_n)
    assert np.abs(unfolded).max() > 1.0
    assert rel_error(folded, unfolded) < 1e-10
    # conv1 alone too (before any ReLU could hide a difference)
    conv = torch.nn.functional.conv2d
    y0 = conv(
        torch.from_numpy(np.ascontiguousarray(raw_rgb[:, ::-1] - bgr_mean[None, :, None, None])),
        torch.from_numpy(state["features.0.weight"]),
        torch.from_numpy(state["features.0.bias"]),
        stride=2,
    )
    y1 = conv(torch.from_numpy(x_n), torch.from_numpy(w), torch.from_numpy(b), stride=2)
    assert rel_error(y0.numpy(), y1.numpy()) < 1e-10


# ------------------------------------------------------------------------- rescaling

#: ``features`` index -> the block whose output it is (a pool's output is its input's block).
FEATURE_BLOCK = {
    0: "conv1", 1: "conv1", 2: "conv1", 3: "fire2", 4: "fire3", 5: "fire3", 6: "fire4",
    7: "fire5", 8: "fire5", 9: "fire6", 10: "fire7", 11: "fire8", 12: "fire9",
}  # fmt: skip


def test_rescale_blocks_scales_every_block_and_keeps_the_logits(rng):
    state = random_state(rng, np.float64)
    before = {k: v.copy() for k, v in state.items()}
    scales = {b: float(s) for b, s in zip(sw.BLOCKS, 10 ** rng.uniform(-2, 1, len(sw.BLOCKS)))}
    scaled = sw.rescale_blocks(state, scales)
    assert all(np.array_equal(state[k], before[k]) for k in state)  # a pure function
    assert {k: (v.shape, v.dtype) for k, v in scaled.items()} == {
        k: (v.shape, v.dtype) for k, v in state.items()
    }
    x = torch.from_numpy(rng.standard_normal((2, 3, 67, 67)))  # (N, 3, H, W) float64
    a, b = torch_model(state, torch.float64), torch_model(scaled, torch.float64)
    with torch.no_grad():
        ya, yb = x, x
        for i, (ma, mb) in enumerate(zip(a.features, b.features)):
            ya, yb = ma(ya), mb(yb)  # every block's output is s_k times the original
            assert rel_error(yb.numpy(), scales[FEATURE_BLOCK[i]] * ya.numpy()) < 1e-10, i
        la, lb = a(x).numpy(), b(x).numpy()
    assert np.abs(la).max() > 0.1  # not all clipped to 0 by the final ReLU
    assert rel_error(lb, la) < 1e-10  # the logits are exactly the same
    # the squeeze outputs (and the classifier's input conv) see the unscaled values
    assert np.array_equal(scaled["features.3.squeeze.bias"], state["features.3.squeeze.bias"])
    assert np.array_equal(scaled["classifier.1.bias"], state["classifier.1.bias"])
    with pytest.raises(ValueError, match=r"rescale_blocks: scales must name the blocks"):
        sw.rescale_blocks(state, {"conv1": 2.0})
    with pytest.raises(ValueError, match=r"rescale_blocks: every scale must be finite and > 0"):
        sw.rescale_blocks(state, {**scales, "fire4": -1.0})


def test_scales_from_ratios_fits_fire2_and_fire3_and_is_geometric_between():
    scales = sw.scales_from_ratios(4.0, 64.0)  # s_fire2 = 2, s_fire3 = 8: a factor 4 per block
    assert list(scales) == list(sw.BLOCKS)
    assert scales["fire2"] == 2.0 and scales["fire3"] == 8.0
    assert scales["conv1"] == 0.5 and scales["fire4"] == 32.0 and scales["fire5"] == 128.0
    assert all(scales[f"fire{k}"] == 128.0 for k in (6, 7, 8, 9))  # unused by the losses
    assert sw.scales_from_ratios(2.0, 3.0)["fire2"] == 1.41421  # 6 significant digits
    with pytest.raises(ValueError, match=r"scales_from_ratios: both ratios must be finite"):
        sw.scales_from_ratios(0.0, 1.0)


def test_fold_preprocessing_checks_the_weight_shape():
    with pytest.raises(ValueError, match=r"fold_preprocessing: weight must be \(F, 3, KH, KW\)"):
        sw.fold_preprocessing(np.zeros((64, 4, 3, 3)), np.zeros(64), np.zeros(3))


# ------------------------------------------------------------------------- official files


@pytest.fixture
def data_folder(tmp_path, monkeypatch):
    """An empty data folder and cache, as the environment's."""
    (tmp_path / "data" / "squeezenet").mkdir(parents=True)
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "data"))
    monkeypatch.setenv(CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)  # no cs231n/datasets here
    return tmp_path / "data"


def test_pretrained_weights_prefer_torchvisions_pth(data_folder, rng):
    state = random_state(rng)
    torch.save(
        {k: torch.from_numpy(v) for k, v in state.items()},
        data_folder / "squeezenet" / "squeezenet1_1-b8a52dc0.pth",
    )
    weights = sw.pretrained_weights()
    assert (
        "torchvision's official" in weights.source
        and "squeezenet1_1-b8a52dc0.pth" in weights.source
    )
    assert weights.class_names is None
    assert all(np.array_equal(weights.state[k], state[k]) for k in SQUEEZENET1_1_SHAPES)
    model = squeezenet1_1(pretrained=True)
    assert not model.training
    assert torch.equal(
        model.features[3].expand3x3.weight, torch.from_numpy(state["features.3.expand3x3.weight"])
    )
    assert sw.official_tf_checkpoint() is None


def write_official_checkpoint(prefix, state: dict[str, np.ndarray]) -> None:
    """A checkpoint with exactly the object graph (hence the keys) of the course's
    ``model.save_weights``: ``net/layer_with_weights-I[/squeeze|expand1x1|expand3x3]/kernel|bias``."""
    net = tf.Module()
    for prefix_key in sorted({k.rsplit(".", 1)[0] for k in state}):
        path = sqtf.checkpoint_key(prefix_key, "weight").split("/")[1:-3]  # between net/ and kernel
        obj = net
        for part in path:
            if not hasattr(obj, part):
                setattr(obj, part, tf.Module())
            obj = getattr(obj, part)
        obj.kernel = tf.Variable(state[f"{prefix_key}.weight"].transpose(2, 3, 1, 0))
        obj.bias = tf.Variable(state[f"{prefix_key}.bias"])
    tf.train.Checkpoint(net=net).write(str(prefix))


def test_keras_model_loads_a_checkpoint_in_the_official_format(data_folder, rng):
    from cs231n.data_utils import load_squeezenet_tf_checkpoint

    state = random_state(rng)
    write_official_checkpoint(data_folder / "squeezenet" / "squeezenet.ckpt", state)
    variables = load_squeezenet_tf_checkpoint()
    assert len(variables) == 52
    assert "net/layer_with_weights-1/squeeze/kernel/.ATTRIBUTES/VARIABLE_VALUE" in variables
    model, source = sqtf.pretrained_squeezenet_tf()
    assert "official TensorFlow checkpoint" in source and "squeezenet.ckpt" in source
    np.testing.assert_array_equal(
        model.net.layers[2].expand3x3.kernel.numpy(),
        state["features.3.expand3x3.weight"].transpose(2, 3, 1, 0),
    )
    x = rng.standard_normal((1, 3, 224, 224)).astype(np.float32)
    assert (
        rel_error(model(x.transpose(0, 2, 3, 1)).numpy(), torch_logits(torch_model(state), x))
        < 1e-4
    )
    # a checkpoint with other names says what it expected
    bad = sqtf.SqueezeNet()
    with pytest.raises(ValueError, match="expected the official object-based names"):
        sqtf.load_checkpoint_variables(bad, {"model/conv/kernel": np.zeros(1)})
    wrong = dict(variables)
    k = "net/layer_with_weights-0/bias/.ATTRIBUTES/VARIABLE_VALUE"
    wrong[k] = np.zeros(63, np.float32)
    with pytest.raises(ValueError, match=r"has shape \(63,\), expected \(64,\)"):
        sqtf.load_checkpoint_variables(bad, wrong)


def test_missing_coremltools_names_the_install_command(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "coremltools.proto", None)  # import now fails
    with pytest.raises(ImportError, match=r"pip install -e '\.\[coreml\]'"):
        sw._model_pb2()


# ------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The weights built from the data folder's Core ML file into a temporary cache."""
    if not os.environ.get(DATA_ENV):
        if os.environ.get("CI"):
            pytest.fail(f"${DATA_ENV} is not set under CI; the real-data tests must run")
        pytest.skip(f"${DATA_ENV} not set")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("cache")))
        yield sw.load_built(sw.build_squeezenet())


@pytest.fixture(scope="module")
def imagenet25():
    X, y, _ = load_imagenet_val()
    return preprocess_image(X), y  # (25, 224, 224, 3) float32, (25,)


@pytest.mark.data
def test_coreml_file_is_squeezenet_1_1_with_bgr_means_and_class_names(built):
    coreml = sw.read_coreml_squeezenet()
    assert {k: v.shape for k, v in coreml.state.items()} == SQUEEZENET1_1_SHAPES
    assert sum(v.size for v in coreml.state.values()) == NUM_PARAMS
    assert coreml.bgr_mean.tolist() == [104.0, 117.0, 123.0] and coreml.channel_scale == 1.0
    assert len(coreml.class_names) == 1000 and coreml.class_names[0].startswith("tench")
    assert built.class_names == coreml.class_names
    assert "built from DeepScale's Caffe weights" in built.source
    assert "not the course's weights" in built.source
    assert {k: v.shape for k, v in built.state.items()} == SQUEEZENET1_1_SHAPES
    assert all(v.dtype == np.float32 for v in built.state.values())
    # built = conv1 folded, then every block rescaled by the stored scales, nothing else
    with np.load(sw.built_path()) as f:
        scales = dict(zip(sw.BLOCKS, f["block_scales"].tolist()))
    unscaled = {k: v.astype(np.float64) for k, v in unscaled_built_state().items()}
    expected = sw.rescale_blocks(unscaled, scales)
    assert all(np.array_equal(built.state[k], expected[k].astype(np.float32)) for k in expected)


@pytest.mark.data
def test_built_weights_classify_imagenet_in_both_frameworks(built, imagenet25):
    X, y = imagenet25
    t = torch_logits(torch_model(built.state), X.transpose(0, 3, 1, 2))  # NHWC -> NCHW
    keras = sqtf.SqueezeNet()
    sqtf.load_torch_state(keras, built.state)
    k = keras(X).numpy()
    top1_torch, top1_tf = int((t.argmax(1) == y).sum()), int((k.argmax(1) == y).sum())
    print(f"top-1 of 25: torch {top1_torch}, tf {top1_tf}; max |dlogit| {np.abs(t - k).max():.2e}")
    assert top1_torch >= 12 and top1_tf >= 12
    assert rel_error(t, k) < 1e-4


def unscaled_built_state() -> dict[str, np.ndarray]:
    """What :func:`sw.build_squeezenet` writes before the rescaling: conv1 folded (float32)."""
    coreml = sw.read_coreml_squeezenet()
    w, b = sw.fold_preprocessing(
        coreml.state["features.0.weight"].astype(np.float64),
        coreml.state["features.0.bias"].astype(np.float64),
        coreml.bgr_mean,
        coreml.channel_scale,
    )
    return {
        **coreml.state,
        "features.0.weight": w.astype(np.float32),
        "features.0.bias": b.astype(np.float32),
    }


@pytest.mark.data
def test_built_weights_are_rescaled_to_the_course_check_values(built, imagenet25):
    """``cl_out`` and ``|gm_out|_F`` of the course are reproduced (they fix s_fire2 and
    s_fire3); ``sl_out`` is not fitted: the geometric rule for the other blocks is only
    validated, within a factor 10 of the course's (it gives about 0.68). The logits do not
    change: same top-1 on the 25 ImageNet images, image by image."""
    from cs231n.style_transfer_pytorch import official_check_values

    assert "blocks rescaled to the course's feature scale (logits unchanged)" in built.source
    course = np.load(sw.checks_path())
    values = official_check_values(torch_model(built.state).features)
    cl_err = abs(float(values["cl_out"]) / float(course["cl_out"]) - 1)
    gm_err = abs(np.linalg.norm(values["gm_out"]) / np.linalg.norm(course["gm_out"]) - 1)
    sl_ratio = float(values["sl_out"]) / float(course["sl_out"])
    print(
        f"cl_out rel err {cl_err:.2e}, |gm_out|_F rel err {gm_err:.2e}, sl_out ratio {sl_ratio:.3f}"
    )
    assert cl_err < 1e-4 and gm_err < 1e-4
    assert 0.1 < sl_ratio < 10  # a validation, not a fit (unscaled: 8.8e5)
    X, y = imagenet25
    x = X.transpose(0, 3, 1, 2)  # NHWC -> NCHW
    scaled, unscaled = (
        torch_logits(torch_model(built.state), x),
        torch_logits(torch_model(unscaled_built_state()), x),
    )
    assert rel_error(scaled, unscaled) < 1e-4  # float32 rounding only
    assert np.array_equal(scaled.argmax(1), unscaled.argmax(1))
    assert int((scaled.argmax(1) == y).sum()) == 13  # the README's top-1


@pytest.mark.data
def test_without_the_check_file_the_build_is_unscaled_and_says_so(data_folder):
    if not REAL_DATA:
        pytest.skip(f"${DATA_ENV} not set")
    real_root = Path(REAL_DATA)
    (data_folder / "squeezenet" / sw.MLMODEL).symlink_to(real_root / "squeezenet" / sw.MLMODEL)
    weights = sw.load_built(sw.build_squeezenet())
    assert "blocks NOT rescaled to the course's feature scale" in weights.source
    assert "style-transfer-checks.npz" in weights.source
    unscaled = unscaled_built_state()
    assert all(np.array_equal(weights.state[k], unscaled[k]) for k in SQUEEZENET1_1_SHAPES)
    with np.load(sw.built_path()) as f:
        assert f["block_scales"].tolist() == [1.0] * 9
    # the check file and its images arrive: the build is stale and is redone rescaled
    for rel in (str(sw.CHECKS), "styles/tubingen.jpg", "styles/starry_night.jpg"):
        (data_folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (data_folder / rel).symlink_to(real_root / rel)
    assert not sw.is_built()
    weights = sw.load_built(sw.build_squeezenet())
    assert "blocks rescaled to the course's feature scale" in weights.source
    with np.load(sw.built_path()) as f:
        assert f["block_scales"][1] == pytest.approx(0.0283, rel=1e-2)  # fire2: ~1/35


@pytest.mark.data
def test_the_scaler_biases_are_means_to_subtract(built, imagenet25):
    """The file stores +104, +117, +123; adding them (Core ML's formula taken literally)
    classifies far fewer images than subtracting them (the module docstring's finding)."""
    X, y = imagenet25
    coreml = sw.read_coreml_squeezenet()
    w, b = coreml.state["features.0.weight"], coreml.state["features.0.bias"]
    top1 = {}
    for sign in (+1, -1):
        fw, fb = sw.fold_preprocessing(
            w.astype(np.float64), b.astype(np.float64), sign * coreml.bgr_mean
        )
        state = {
            **coreml.state,
            "features.0.weight": fw.astype(np.float32),
            "features.0.bias": fb.astype(np.float32),
        }
        top1[sign] = int(
            (torch_logits(torch_model(state), X.transpose(0, 3, 1, 2)).argmax(1) == y).sum()
        )
    assert top1[+1] >= 12 > top1[-1] + 4, top1


@pytest.mark.data
def test_pretrained_models_say_which_weights(built, imagenet25):
    if sw.official_pth() is None:  # the data folder has no official .pth: the built weights
        assert sw.pretrained_weights().source == built.source
    model, source = sqtf.pretrained_squeezenet_tf()
    assert source  # one sentence: the official checkpoint or the built weights
    torch_model_ = squeezenet1_1(pretrained=True)
    if sw.official_pth() is None and sw.official_tf_checkpoint() is None:
        X, _ = imagenet25
        t = torch_logits(torch_model_, X[:4].transpose(0, 3, 1, 2))
        assert rel_error(t, model(X[:4]).numpy()) < 1e-4


@pytest.mark.data
def test_the_cache_is_reused_and_rebuilt_when_stale_or_corrupt(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    path = sw.build_squeezenet()
    assert path == tmp_path / "squeezenet" / "SqueezeNetFP16.npz" and sw.is_built()
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    good = path.read_bytes()
    stamp = path.stat().st_mtime_ns
    assert sw.build_squeezenet() == path and path.stat().st_mtime_ns == stamp  # reused
    assert list(path.parent.iterdir()) == [path]  # no temporary files left
    path.write_bytes(good[: len(good) // 2])  # truncated: corrupt
    assert not sw.is_built()
    sw.build_squeezenet()
    assert path.read_bytes() == good
    with np.load(path) as f:  # stale: built from another source file
        arrays = {k: f[k] for k in f.files}
    assert arrays["format_version"] == sw.FORMAT_VERSION
    np.savez(path, **{**arrays, "source_sha256": np.array("0" * 64)})
    assert not sw.is_built()
    sw.build_squeezenet()
    assert path.read_bytes() == good


@pytest.mark.data
def test_cli_data_build_squeezenet(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cli.main(["data", "build", "squeezenet"]) == 0
    out = capsys.readouterr().out
    written = tmp_path / "squeezenet" / "SqueezeNetFP16.npz"
    assert "squeezenet: building" in out and f"wrote {written}" in out and written.is_file()
    assert cli.main(["data", "build", "squeezenet"]) == 0
    assert "already built" in capsys.readouterr().out
    assert cli.main(["data", "build", "squeezenet", "--force"]) == 0
    assert "wrote" in capsys.readouterr().out
    assert cli.main(["data", "build", "cifar10"]) == 2
    assert "buildable: squeezenet" in capsys.readouterr().err
    monkeypatch.setenv(DATA_ENV, str(tmp_path / "empty"))
    monkeypatch.chdir(tmp_path)
    assert cli.main(["data", "build", "squeezenet"]) == 1
    err = capsys.readouterr().err
    assert "squeezenet: error" in err and "SqueezeNetFP16.mlmodel" in err
