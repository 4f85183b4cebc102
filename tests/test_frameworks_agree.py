"""The same model in PyTorch and TensorFlow gives the same scores when given the same weights.

Two layout conversions make the weights "the same":

* conv kernels: PyTorch ``(F, C, KH, KW)`` -> TensorFlow ``(KH, KW, C, F)``;
* the first fully connected layer after a convolution: PyTorch flattens
  ``(F, H, W)``, TensorFlow flattens ``(H, W, F)``, so the rows of ``fc_w``
  must be permuted, not just reshaped.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
tf = pytest.importorskip("tensorflow")

from cs231n.frameworks import tf_cifar as tfc  # noqa: E402
from cs231n.frameworks import tf_models as tfm  # noqa: E402
from cs231n.frameworks import torch_cifar as tc  # noqa: E402
from cs231n.frameworks import torch_models as tm  # noqa: E402
from tests.checks import assert_close  # noqa: E402

pytestmark = pytest.mark.a2
torch.set_num_threads(1)
tfc.set_threads(1)


def kernel_to_tf(w: np.ndarray) -> np.ndarray:
    """``(F, C, KH, KW) -> (KH, KW, C, F)``."""
    return w.transpose(2, 3, 1, 0)


def fc_rows_to_tf(fc_w: np.ndarray, channels: int, H: int, W: int) -> np.ndarray:
    """Reorder the rows of ``fc_w (F*H*W, M)`` from ``(F, H, W)`` to ``(H, W, F)`` order."""
    M = fc_w.shape[1]
    return fc_w.reshape(channels, H, W, M).transpose(1, 2, 0, 3).reshape(H * W * channels, M)


def test_barebones_three_layer_convnet_agrees(rng):
    N, H, F1, F2, C = 3, 6, 4, 5, 7
    x = rng.normal(size=(N, 3, H, H))
    p = [
        rng.normal(size=s)
        for s in [(F1, 3, 5, 5), (F1,), (F2, F1, 3, 3), (F2,), (F2 * H * H, C), (C,)]
    ]
    ours_torch = tc.three_layer_convnet(
        torch.from_numpy(x), [torch.from_numpy(a) for a in p]
    ).numpy()
    p_tf = [kernel_to_tf(p[0]), p[1], kernel_to_tf(p[2]), p[3], fc_rows_to_tf(p[4], F2, H, H), p[5]]
    ours_tf = tfc.three_layer_convnet(
        x.transpose(0, 2, 3, 1), [tf.constant(a) for a in p_tf]
    ).numpy()
    assert_close(ours_tf, ours_torch, tol=1e-10, what="three_layer_convnet TF vs torch (float64)")
    # Reshaping fc_w instead of permuting its rows gives a different network.
    wrong = [*p_tf[:4], p[4], p[5]]
    assert not np.allclose(
        tfc.three_layer_convnet(x.transpose(0, 2, 3, 1), wrong).numpy(), ours_torch
    )


def test_module_api_three_layer_convnet_agrees(rng):
    H, F1, F2 = 8, 4, 3
    torch.manual_seed(0)
    tmod = tc.ThreeLayerConvNet(3, F1, F2, 10, image_size=H)
    kmod = tfc.ThreeLayerConvNet(F1, F2, 10)
    x = rng.normal(size=(4, 3, H, H)).astype(np.float32)
    kmod(x.transpose(0, 2, 3, 1))  # build the variables
    sd = {k: v.numpy() for k, v in tmod.state_dict().items()}
    kmod.conv1.set_weights([kernel_to_tf(sd["conv1.weight"]), sd["conv1.bias"]])
    kmod.conv2.set_weights([kernel_to_tf(sd["conv2.weight"]), sd["conv2.bias"]])
    kmod.fc.set_weights([fc_rows_to_tf(sd["fc.weight"].T, F2, H, H), sd["fc.bias"]])
    with torch.no_grad():
        ref = tmod(torch.from_numpy(x)).numpy()
    out = kmod(x.transpose(0, 2, 3, 1)).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def copy_resnet_torch_to_tf(tmod: "tm.CifarResNet", kmod: "tfm.CifarResNet") -> None:
    """Copy every weight and batch-norm statistic of the PyTorch Part V net into its Keras twin."""

    def conv(t, k):
        k.kernel.assign(kernel_to_tf(t.weight.detach().numpy()))

    def bn(t, k):
        for src, dst in (
            (t.weight, k.gamma),
            (t.bias, k.beta),
            (t.running_mean, k.moving_mean),
            (t.running_var, k.moving_variance),
        ):
            dst.assign(src.detach().numpy())

    conv(tmod.stem[0], kmod.stem.conv)
    bn(tmod.stem[1], kmod.stem.bn)
    for ts, ks in zip(tmod.stages, kmod.stages):
        conv(ts.conv, ks.conv)
        bn(ts.bn, ks.bn)
        conv(ts.res[0], ks.res.conv)
        bn(ts.res[1], ks.res.bn)
    kmod.fc.kernel.assign(tmod.fc.weight.detach().numpy().T)  # (C, D) -> (D, C)
    kmod.fc.bias.assign(tmod.fc.bias.detach().numpy())


@pytest.mark.parametrize(
    "training", [False, True], ids=["eval (running stats)", "train (batch stats)"]
)
def test_part5_resnet_agrees(rng, training):
    widths = (4, 6, 8, 10)
    torch.manual_seed(0)
    tmod = tm.CifarResNet(widths)
    with torch.no_grad():  # non-trivial running statistics and affine parameters
        for m in tmod.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.normal_()
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.normal_()
    kmod = tfm.CifarResNet(widths)
    x = rng.normal(size=(5, 3, 16, 16)).astype(np.float32)
    x_tf = x.transpose(0, 2, 3, 1)  # (N, C, H, W) -> (N, H, W, C)
    kmod(x_tf)
    copy_resnet_torch_to_tf(tmod, kmod)
    tmod.train(training)
    with torch.no_grad():
        ref = tmod(torch.from_numpy(x)).numpy()
    out = kmod(x_tf, training=training).numpy()
    np.testing.assert_allclose(out, ref, rtol=1e-4, atol=1e-5)


def test_one_cycle_schedules_agree():
    total, max_lr = 20, 0.4
    ours = [float(tfm.OneCycle(max_lr, total)(s)) for s in range(total)]
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=max_lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(
        opt,
        max_lr=max_lr,
        total_steps=total,
        pct_start=0.25,
        anneal_strategy="linear",
        div_factor=10.0,
        final_div_factor=100.0,
        cycle_momentum=False,
    )
    ref = []
    for _ in range(total):
        ref.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-7)


def test_one_barebones_sgd_step_agrees(rng):
    # Same float64 weights, same batch: the loss and the updated weights match,
    # so autograd and GradientTape computed the same gradients.
    x = rng.normal(size=(6, 4, 4, 3))  # (N, H, W, C)
    y = rng.integers(0, 5, size=6)
    w1, w2 = rng.normal(size=(48, 7)) * 0.2, rng.normal(size=(7, 5)) * 0.2
    lr = 0.1
    # torch flattens (C, H, W): feed it the NCHW image and permute w1's rows to match.
    x_t = torch.from_numpy(x.transpose(0, 3, 1, 2).copy())
    tw1_rows = w1.reshape(4, 4, 3, 7).transpose(2, 0, 1, 3).reshape(48, 7)  # (H,W,C) -> (C,H,W)
    tw = [torch.tensor(tw1_rows, requires_grad=True), torch.tensor(w2, requires_grad=True)]
    loss_t = torch.nn.functional.cross_entropy(tc.two_layer_fc(x_t, tw), torch.from_numpy(y))
    loss_t.backward()
    new_t = [(w - lr * w.grad).detach().numpy() for w in tw]

    kw = [tf.Variable(w1), tf.Variable(w2)]
    loss_k = tfc.training_step(tfc.two_layer_fc, tf.constant(x), tf.constant(y), kw, lr)
    assert_close(float(loss_k), loss_t.item(), tol=1e-12, what="loss before the step")
    new_w1_rows = new_t[0].reshape(3, 4, 4, 7).transpose(1, 2, 0, 3).reshape(48, 7)
    assert_close(kw[0].numpy(), new_w1_rows, tol=1e-10, what="w1 after one SGD step")
    assert_close(kw[1].numpy(), new_t[1], tol=1e-10, what="w2 after one SGD step")
    assert not np.allclose(kw[1].numpy(), w2), "the step did not change w2"
