"""SqueezeNet 1.1 in PyTorch and Keras, its weight loaders, and the weights built from Core ML.

Without data: the layouts (torchvision keys, 1,235,496 parameters), the exactness of the
conv1 folding (float64), and both official loaders on files the tests write in the
official formats (a ``torch.save`` state dict, a TF2 object-based checkpoint with the
course's variable names). With the real data folder: the Core ML reader, the cache, the
``cs231n data build squeezenet`` command, and ImageNet top-1 in both frameworks.
"""

import os

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
    # only conv1 changes when folding
    assert np.array_equal(built.state["classifier.1.weight"], coreml.state["classifier.1.weight"])


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
