"""TensorFlow Parts II-V: barebones functions, Keras models, the Part V net, its
schedule and training loop, on tiny inputs."""

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from cs231n.frameworks import tf_cifar as tfc  # noqa: E402
from cs231n.frameworks import tf_models as tfm  # noqa: E402
from cs231n.frameworks.data import Dataset  # noqa: E402

pytestmark = pytest.mark.a2
tfc.set_threads(1)


def _tiny_data(rng, N=32, C=10, H=8):
    X = rng.normal(size=(N, H, H, 3)).astype(np.float32)
    return X, rng.integers(0, C, size=N)


# ----------------------------------------------------------------------------- Part II


def test_flatten_and_two_layer_fc_official_shapes_and_reference(rng):
    # Official two_layer_fc_test: (64, 32, 32, 3) input, hidden 42 -> (64, 10).
    params = [tf.zeros((32 * 32 * 3, 42)), tf.zeros((42, 10))]
    assert tfc.two_layer_fc(tf.zeros((64, 32, 32, 3)), params).shape == (64, 10)
    x = rng.normal(size=(5, 2, 3, 4))
    w1, w2 = rng.normal(size=(24, 7)), rng.normal(size=(7, 3))
    ref = np.maximum(x.reshape(5, -1) @ w1, 0) @ w2
    np.testing.assert_allclose(tfc.two_layer_fc(x, [w1, w2]).numpy(), ref, rtol=1e-12)
    with pytest.raises(ValueError, match="features"):
        tfc.two_layer_fc(tf.zeros((2, 5)), [tf.zeros((4, 3)), tf.zeros((3, 2))])


def test_three_layer_convnet_official_shapes():
    # Official three_layer_convnet_test: kernels (5, 5, 3, 6) and (3, 3, 6, 9).
    params = [
        tf.zeros((5, 5, 3, 6)),
        tf.zeros((6,)),
        tf.zeros((3, 3, 6, 9)),
        tf.zeros((9,)),
        tf.zeros((32 * 32 * 9, 10)),
        tf.zeros((10,)),
    ]
    assert tfc.three_layer_convnet(tf.zeros((64, 32, 32, 3)), params).shape == (64, 10)
    assert [tuple(p.shape) for p in tfc.three_layer_convnet_init(6, 9)] == [
        (5, 5, 3, 6),
        (6,),
        (3, 3, 6, 9),
        (9,),
        (32 * 32 * 9, 10),
        (10,),
    ]


def test_kaiming_normal_std():
    w = tfc.create_matrix_with_kaiming_normal((400, 300), seed=0)
    assert abs(float(tf.math.reduce_std(w)) - np.sqrt(2 / 400)) < 0.02 * np.sqrt(2 / 400)
    k = tfc.create_matrix_with_kaiming_normal((3, 3, 8, 64), seed=1)
    assert abs(float(tf.math.reduce_std(k)) - np.sqrt(2 / 72)) < 0.05 * np.sqrt(2 / 72)
    with pytest.raises(ValueError, match="2 or 4 axes"):
        tfc.create_matrix_with_kaiming_normal((3, 3, 3))


def test_training_steps_lower_the_loss_and_accuracy_counts(rng):
    X, y = _tiny_data(rng, H=4)
    tf.random.set_seed(0)
    init = lambda: tfc.two_layer_fc_init(48, 20, 10)
    dset = Dataset(X, y, batch_size=32, name="train")
    params, _ = tfc.train_part2(tfc.two_layer_fc, init, 0.1, train_dset=dset, print_every=0)
    losses = [float(tfc.training_step(tfc.two_layer_fc, X, y, params, 0.1)) for _ in range(10)]
    assert losses[-1] < 0.8 * losses[0]
    acc = tfc.check_accuracy(dset, tfc.two_layer_fc, params, verbose=False)
    preds = np.argmax(tfc.two_layer_fc(X, params), axis=1)
    assert acc == pytest.approx(np.mean(preds == y))


# ----------------------------------------------------------------------------- Parts III, IV


@pytest.mark.parametrize(
    "make",
    [
        lambda: tfc.TwoLayerFC(16, 10),
        lambda: tfc.ThreeLayerConvNet(4, 3, 10),
        lambda: tfc.sequential_two_layer_fc(16, 10, input_shape=(8, 8, 3)),
        lambda: tfc.sequential_three_layer_convnet(4, 3, 10, input_shape=(8, 8, 3)),
        lambda: tfc.two_layer_fc_functional((8, 8, 3), 16, 10),
    ],
    ids=["TwoLayerFC", "ThreeLayerConvNet", "Sequential FC", "Sequential convnet", "Functional FC"],
)
def test_keras_models_train(make, rng):
    X, y = _tiny_data(rng)
    tf.random.set_seed(0)
    dset = Dataset(X, y, batch_size=32)
    opt = lambda: tf.keras.optimizers.SGD(learning_rate=0.02, momentum=0.9, nesterov=True)
    model, losses = tfc.train_part34(make, opt, num_epochs=8, train_dset=dset, print_every=0)
    assert model(X).shape == (32, 10)
    assert len(losses) == 8 and losses[-1] < 0.9 * losses[0]
    assert 0 <= tfc.check_accuracy(dset, model, None, verbose=False) <= 1


# ----------------------------------------------------------------------------- Part V


def test_cifar_resnet_shapes():
    model = tfm.CifarResNet((4, 8, 8, 16))
    assert model(tf.zeros((3, 32, 32, 3))).shape == (3, 10)
    with pytest.raises(ValueError, match="widths"):
        tfm.CifarResNet((4, 8))


@pytest.mark.slow
# Keras' own save_weights converts variables with np.array(copy=False): not our code.
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_fit_smoke_run_lowers_loss_saves_best_and_reloads(rng, tmp_path):
    X, y = _tiny_data(rng, N=64, H=16)
    # Brightness encodes the class, so 8 steps lower the loss whatever the initial weights.
    # With labels that are pure noise the loss moved by -0.001 to 0.05 over six seeds, and
    # the weights tf.random.set_seed gives depend on how many random ops earlier tests made.
    X += ((y - 4.5) * 0.5).astype(np.float32)[:, None, None, None]
    train = Dataset(X, y, batch_size=32, shuffle=True, augment=True, seed=0)
    val = Dataset(X, y, batch_size=32, name="val")
    tf.random.set_seed(0)
    model = tfm.CifarResNet((8, 8, 16, 16))
    model(tf.zeros((1, 16, 16, 3)))
    opt = tfm.sgd_one_cycle(model, epochs=4, steps_per_epoch=len(train), max_lr=0.1)
    ckpt = tmp_path / "best.weights.h5"
    hist = tfm.fit(model, train, val, 4, opt, label_smoothing=0.1, checkpoint=ckpt, progress=False)
    assert hist["epoch"] == [1, 2, 3, 4] and all(s > 0 for s in hist["seconds"])
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert ckpt.exists() and not list(tmp_path.glob(".*tmp*")), "atomic save left a temp file"
    fresh = tfm.CifarResNet((8, 8, 16, 16))
    fresh(tf.zeros((1, 16, 16, 3)))
    fresh.load_weights(ckpt)
    assert tfm.evaluate(fresh, val) == pytest.approx(max(hist["val_acc"]))
    with pytest.raises(ValueError, match="weights.h5"):
        tfm.save_weights_atomic(model, tmp_path / "best.h5")


def test_tta_flip_changes_nothing_on_mirror_symmetric_images(rng):
    X = rng.normal(size=(6, 8, 8, 3)).astype(np.float32)
    X = X + X[:, :, ::-1]
    dset = Dataset(X, np.zeros(6, dtype=np.int64), batch_size=6)
    model = tfm.CifarResNet((4, 4, 4, 8))
    p_plain, _ = tfm.predict_scores(model, dset)
    p_tta, _ = tfm.predict_scores(model, dset, tta_flip=True)
    np.testing.assert_allclose(p_tta, p_plain, rtol=1e-5, atol=1e-6)


def test_mixed_bfloat16_policy_gives_float32_scores_close_to_float32(rng):
    x = rng.normal(size=(4, 16, 16, 3)).astype(np.float32)
    m32 = tfm.CifarResNet((8, 8, 16, 16))
    m16 = tfm.CifarResNet((8, 8, 16, 16), policy="mixed_bfloat16")
    m32(x), m16(x)
    m16.set_weights(m32.get_weights())
    assert m16.stem.conv.compute_dtype == "bfloat16" and m16.stem.conv.kernel.dtype == "float32"
    s32, s16 = m32(x).numpy(), m16(x).numpy()
    assert s16.dtype == np.float32
    np.testing.assert_allclose(s16, s32, atol=5e-2 * np.abs(s32).max())
    assert tf.keras.mixed_precision.global_policy().name == "float32", "global policy leaked"


def test_sequential_convnet_init_options():
    """'kaiming' uses He normal weights (std sqrt(2/fan_in)); 'default' keeps Keras' Glorot
    uniform, bounded by sqrt(6/(fan_in+fan_out))."""
    tf.random.set_seed(0)
    he = tfc.sequential_three_layer_convnet(32, 16, 10, init="kaiming")
    default = tfc.sequential_three_layer_convnet(32, 16, 10)
    conv_he = he.layers[0].kernel.numpy()  # (5, 5, 3, 32)
    conv_default = default.layers[0].kernel.numpy()
    fan_in, fan_out = 5 * 5 * 3, 5 * 5 * 32
    assert conv_he.std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.1)
    assert np.abs(conv_default).max() <= np.sqrt(6 / (fan_in + fan_out))
    with pytest.raises(ValueError, match="init must be 'default' or 'kaiming'"):
        tfc.sequential_three_layer_convnet(init="xavier")


@pytest.mark.parametrize(
    "build",
    [
        lambda init: tfc.sequential_two_layer_fc(64, 10, input_shape=(8, 8, 3), init=init),
        lambda init: tfc.two_layer_fc_functional((8, 8, 3), 64, 10, init=init),
    ],
    ids=["sequential", "functional"],
)
def test_two_layer_fc_init_options(build):
    """Both Part IV two-layer builders: He normal for 'kaiming', Glorot uniform by default."""
    tf.random.set_seed(0)
    he = [layer for layer in build("kaiming").layers if hasattr(layer, "kernel")]
    default = [layer for layer in build("default").layers if hasattr(layer, "kernel")]
    fan_in, fan_out = 8 * 8 * 3, 64
    assert he[0].kernel.numpy().std() == pytest.approx(np.sqrt(2 / fan_in), rel=0.1)
    assert np.abs(default[0].kernel.numpy()).max() <= np.sqrt(6 / (fan_in + fan_out))
    with pytest.raises(ValueError, match="init must be 'default' or 'kaiming'"):
        build("he")
