"""Assignment 3's framework modules reject what they cannot compute, naming function and argument.

Every case is one bad call of a public function of the GAN, GAN-metric, style-transfer,
network-visualization and image modules; it must raise ``ValueError`` or ``TypeError`` whose
message starts with ``<function>:`` and names the argument (the issue's "clear" error). A second
group checks that what the course accepts still works: the TF loop's last batch (fewer real
than fake logits), symbolic tensors inside ``tf.function``, the course's ``(N,)`` logits.
"""

from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf
import torch
from torch import nn

import cs231n.gan_metrics as gm
import cs231n.gan_pytorch as gp
import cs231n.gan_tf as gt
import cs231n.image_utils as iu
import cs231n.net_visualization_pytorch as nvt
import cs231n.net_visualization_tensorflow as nvf
import cs231n.style_transfer_pytorch as stp
import cs231n.style_transfer_tensorflow as stt
from cs231n.validation.tensors import check_scores

pytestmark = pytest.mark.a3

NAN = float("nan")


def t(*shape, fill=None, dtype=torch.float32):
    x = torch.rand(*shape, dtype=dtype) if fill is None else torch.full(shape, fill, dtype=dtype)
    return x


def a(*shape, fill=0.0):
    return np.full(shape, fill, dtype=np.float32)


# --------------------------------------------------------------------------- tiny models


def torch_gan():
    D, G = gp.discriminator(seed=0), gp.generator(4, seed=0)
    return D, G, gp.get_optimizer(D), gp.get_optimizer(G)


def torch_classifier():
    torch.manual_seed(0)
    return nn.Sequential(nn.Flatten(), nn.Linear(3 * 4 * 4, 5))


def keras_classifier():
    return tf.keras.Sequential(
        [tf.keras.Input((4, 4, 3)), tf.keras.layers.Flatten(), tf.keras.layers.Dense(5)]
    )


def torch_cnn():
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.Conv2d(4, 4, 3))  # 3 features


class FakeSqueezeNet:
    """A ``.net`` of 4 layers: extract_features gives 2 features."""

    def __init__(self):
        layers = tf.keras.layers
        self.net = tf.keras.Sequential(
            [tf.keras.Input((8, 8, 3)), layers.Conv2D(4, 3), layers.Conv2D(4, 3), layers.Flatten(),
             layers.Dense(2)]
        )  # fmt: skip


GAN_LOADER = [(torch.rand(4, 1, 28, 28), torch.zeros(4))]


def run_torch_gan(**kwargs):
    D, G, Ds, Gs = torch_gan()
    args = dict(
        D=D, G=G, D_solver=Ds, G_solver=Gs, discriminator_loss=gp.discriminator_loss,
        generator_loss=gp.generator_loss, loader_train=GAN_LOADER, show_every=0, batch_size=4,
        noise_size=4, num_epochs=1, show=False,
    )  # fmt: skip
    args.update(kwargs)
    return gp.run_a_gan(**args)


def run_tf_gan(**kwargs):
    D, G = gt.discriminator(seed=0), gt.generator(4, seed=0)
    Ds, Gs = gt.get_solvers()
    args = dict(
        D=D, G=G, D_solver=Ds, G_solver=Gs, discriminator_loss=gt.discriminator_loss,
        generator_loss=gt.generator_loss, print_every=0, batch_size=4, num_epochs=1,
        noise_size=4, show=False, data=[(a(4, 784), np.zeros(4))],
    )  # fmt: skip
    args.update(kwargs)
    return gt.run_a_gan(**args)


def style_torch(**kwargs):
    args = dict(
        content_image="tubingen", style_image="starry_night", image_size=16, style_size=16,
        content_layer=1, content_weight=1.0, style_layers=[0, 2], style_weights=[1.0, 1.0],
        tv_weight=1.0, cnn=torch_cnn(), max_iter=1,
    )  # fmt: skip
    args.update(kwargs)
    return stp.style_transfer(**args)


def style_tf(**kwargs):
    args = dict(
        content_image="tubingen", style_image="starry_night", image_size=16, style_size=16,
        content_layer=1, content_weight=1.0, style_layers=[0, 1], style_weights=[1.0, 1.0],
        tv_weight=1.0, model=FakeSqueezeNet(), max_iter=1,
    )  # fmt: skip
    args.update(kwargs)
    return stt.style_transfer(**args)


P10 = np.full((6, 10), 0.1)
F = np.random.default_rng(0).standard_normal((8, 3))
X1 = torch.zeros(1, 3, 4, 4)
X2 = torch.zeros(2, 3, 4, 4)
X1_TF = a(1, 4, 4, 3)
X2_TF = a(2, 4, 4, 3)

# (id, call, function name in the message, argument named in the message)
CASES = [
    # --- gan_pytorch
    ("gp.sample_noise batch 0", lambda: gp.sample_noise(0, 4), "sample_noise", "batch_size"),
    ("gp.sample_noise bool", lambda: gp.sample_noise(True, 4), "sample_noise", "batch_size"),
    ("gp.sample_noise dim float", lambda: gp.sample_noise(3, 2.5), "sample_noise", "dim"),
    ("gp.sample_noise seed", lambda: gp.sample_noise(3, 4, seed=-1), "sample_noise", "seed"),
    ("gp.sample_noise seed str", lambda: gp.sample_noise(3, 4, seed="a"), "sample_noise", "seed"),
    ("gp.discriminator seed", lambda: gp.discriminator(seed=1.5), "discriminator", "seed"),
    ("gp.generator noise_dim", lambda: gp.generator(noise_dim=0), "generator", "noise_dim"),
    ("gp.build_dc_classifier", lambda: gp.build_dc_classifier(0), "build_dc_classifier",
     "batch_size"),
    ("gp.build_dc_generator", lambda: gp.build_dc_generator(-1), "build_dc_generator",
     "noise_dim"),
    ("gp.bce_loss shapes", lambda: gp.bce_loss(t(5, 1), t(5)), "bce_loss", "input"),
    ("gp.bce_loss nan", lambda: gp.bce_loss(t(5, fill=NAN), t(5)), "bce_loss", "input"),
    ("gp.bce_loss target range", lambda: gp.bce_loss(t(5), t(5, fill=2.0)), "bce_loss",
     "target"),
    ("gp.bce_loss list", lambda: gp.bce_loss([0.5], t(1)), "bce_loss", "input"),
    ("gp.bce_loss empty", lambda: gp.bce_loss(t(0), t(0)), "bce_loss", "input"),
    ("gp.d_loss layouts", lambda: gp.discriminator_loss(t(4, 1), t(4)), "discriminator_loss",
     "logits_real"),
    ("gp.d_loss (N, 2)", lambda: gp.discriminator_loss(t(4, 2), t(4, 2)), "discriminator_loss",
     "logits_real"),
    ("gp.d_loss nan fake", lambda: gp.discriminator_loss(t(4, 1), t(4, 1, fill=NAN)),
     "discriminator_loss", "logits_fake"),
    ("gp.d_loss inf real", lambda: gp.discriminator_loss(t(4, 1, fill=float("inf")), t(4, 1)),
     "discriminator_loss", "logits_real"),
    ("gp.d_loss empty", lambda: gp.discriminator_loss(t(0, 1), t(0, 1)), "discriminator_loss",
     "logits_real"),
    ("gp.d_loss int", lambda: gp.discriminator_loss(torch.zeros(4, 1, dtype=torch.long), t(4, 1)),
     "discriminator_loss", "logits_real"),
    ("gp.d_loss numpy", lambda: gp.discriminator_loss(a(4, 1), t(4, 1)), "discriminator_loss",
     "logits_real"),
    ("gp.g_loss 3-D", lambda: gp.generator_loss(t(4, 1, 1)), "generator_loss", "logits_fake"),
    ("gp.g_loss inf", lambda: gp.generator_loss(t(4, 1, fill=float("inf"))), "generator_loss",
     "logits_fake"),
    ("gp.ls_d_loss nan", lambda: gp.ls_discriminator_loss(t(4, 1), t(4, 1, fill=NAN)),
     "ls_discriminator_loss", "scores_fake"),
    ("gp.ls_g_loss shape", lambda: gp.ls_generator_loss(t(3, 3)), "ls_generator_loss",
     "scores_fake"),
    ("gp.get_optimizer str", lambda: gp.get_optimizer("D"), "get_optimizer", "model"),
    ("gp.get_optimizer no params", lambda: gp.get_optimizer(nn.ReLU()), "get_optimizer", "model"),
    ("gp.Unflatten C", lambda: gp.Unflatten(-1, 0, 7, 7), "Unflatten", "C"),
    ("gp.ChunkSampler", lambda: gp.ChunkSampler(-1), "ChunkSampler", "num_samples"),
    ("gp.mnist_loaders", lambda: gp.mnist_loaders(batch_size=0), "mnist_loaders", "batch_size"),
    ("gp.preprocess_img None", lambda: gp.preprocess_img(None), "preprocess_img", "x"),
    ("gp.deprocess_img str", lambda: gp.deprocess_img(["a"]), "deprocess_img", "x"),
    ("gp.count_params", lambda: gp.count_params(None), "count_params", "model"),
    ("gp.run_a_gan epochs", lambda: run_torch_gan(num_epochs=0), "run_a_gan", "num_epochs"),
    ("gp.run_a_gan batch", lambda: run_torch_gan(batch_size=0), "run_a_gan", "batch_size"),
    ("gp.run_a_gan noise", lambda: run_torch_gan(noise_size=0), "run_a_gan", "noise_size"),
    ("gp.run_a_gan show_every", lambda: run_torch_gan(show_every=-1), "run_a_gan", "show_every"),
    ("gp.run_a_gan max_it", lambda: run_torch_gan(max_iterations=-1), "run_a_gan",
     "max_iterations"),
    ("gp.run_a_gan solver", lambda: run_torch_gan(D_solver=None), "run_a_gan", "D_solver"),
    ("gp.run_a_gan D", lambda: run_torch_gan(D="D"), "run_a_gan", "D"),
    ("gp.run_a_gan loss", lambda: run_torch_gan(generator_loss=3), "run_a_gan", "generator_loss"),
    ("gp.run_a_gan loader", lambda: run_torch_gan(loader_train=5), "run_a_gan", "loader_train"),
    ("gp.run_a_gan show", lambda: run_torch_gan(show="no"), "run_a_gan", "show"),
    ("gp.run_a_gan snapshot_noise", lambda: run_torch_gan(snapshot_every=1,
     snapshot_noise=t(3, 5)), "run_a_gan", "snapshot_noise"),
    ("gp.run_a_gan snapshot nan", lambda: run_torch_gan(snapshot_every=1,
     snapshot_noise=t(3, 4, fill=NAN)), "run_a_gan", "snapshot_noise"),
    # --- gan_tf
    ("gt.sample_noise", lambda: gt.sample_noise(0, 3), "sample_noise", "batch_size"),
    ("gt.sample_noise seed", lambda: gt.sample_noise(2, 3, seed=-4), "sample_noise", "seed"),
    ("gt.generator", lambda: gt.generator(noise_dim=0), "generator", "noise_dim"),
    ("gt.dc_generator", lambda: gt.dc_generator(2.0), "dc_generator", "noise_dim"),
    ("gt.discriminator seed", lambda: gt.discriminator(seed="a"), "discriminator", "seed"),
    ("gt.leaky_relu alpha", lambda: gt.leaky_relu(a(3), alpha=2.0), "leaky_relu", "alpha"),
    ("gt.d_loss layouts", lambda: gt.discriminator_loss(a(4, 1), a(4)), "discriminator_loss",
     "logits_real"),
    ("gt.d_loss nan", lambda: gt.discriminator_loss(a(4, 1), a(4, 1, fill=NAN)),
     "discriminator_loss", "logits_fake"),
    ("gt.d_loss empty", lambda: gt.discriminator_loss(a(0, 1), a(4, 1)), "discriminator_loss",
     "logits_real"),
    ("gt.d_loss strings", lambda: gt.discriminator_loss(["x"], a(4, 1)), "discriminator_loss",
     "logits_real"),
    ("gt.g_loss shape", lambda: gt.generator_loss(a(4, 2)), "generator_loss", "logits_fake"),
    ("gt.g_loss int", lambda: gt.generator_loss(tf.zeros((4, 1), tf.int32)), "generator_loss",
     "logits_fake"),
    ("gt.ls_d_loss inf", lambda: gt.ls_discriminator_loss(a(4, 1, fill=np.inf), a(4, 1)),
     "ls_discriminator_loss", "scores_real"),
    ("gt.ls_g_loss shape", lambda: gt.ls_generator_loss(a(2, 2)), "ls_generator_loss",
     "scores_fake"),
    ("gt.get_solvers lr 0", lambda: gt.get_solvers(learning_rate=0), "get_solvers",
     "learning_rate"),
    ("gt.get_solvers lr nan", lambda: gt.get_solvers(learning_rate=NAN), "get_solvers",
     "learning_rate"),
    ("gt.get_solvers beta1 1", lambda: gt.get_solvers(beta1=1.0), "get_solvers", "beta1"),
    ("gt.get_solvers beta1 <0", lambda: gt.get_solvers(beta1=-0.1), "get_solvers", "beta1"),
    ("gt.MNIST batch", lambda: gt.MNIST(0), "MNIST", "batch_size"),
    ("gt.MNIST shuffle", lambda: gt.MNIST(2, shuffle="yes"), "MNIST", "shuffle"),
    ("gt.MNIST data", lambda: gt.MNIST(2, data=a(3, 784)), "MNIST", "data"),
    ("gt.count_params", lambda: gt.count_params("m"), "count_params", "model"),
    ("gt.gan_step x", lambda: gt.gan_step(None, None, None, None, None, None, a(4, 10), a(4, 4),
     a(4, 4)), "gan_step", "x"),
    ("gt.run_a_gan epochs", lambda: run_tf_gan(num_epochs=0), "run_a_gan", "num_epochs"),
    ("gt.run_a_gan batch", lambda: run_tf_gan(batch_size=-1), "run_a_gan", "batch_size"),
    ("gt.run_a_gan print_every", lambda: run_tf_gan(print_every=-2), "run_a_gan", "print_every"),
    ("gt.run_a_gan solver", lambda: run_tf_gan(G_solver="adam"), "run_a_gan", "G_solver"),
    ("gt.run_a_gan model", lambda: run_tf_gan(G=None), "run_a_gan", "G"),
    ("gt.run_a_gan snapshot_noise", lambda: run_tf_gan(snapshot_every=2,
     snapshot_noise=a(5, 3)), "run_a_gan", "snapshot_noise"),
    ("gt.run_a_gan data", lambda: run_tf_gan(data=3), "run_a_gan", "data"),
    # --- gan_metrics
    ("gm.fid N=1", lambda: gm.frechet_distance(F[:1], F), "frechet_distance", "f1"),
    ("gm.fid nan", lambda: gm.frechet_distance(F, np.full((4, 3), NAN)), "frechet_distance",
     "f2"),
    ("gm.fid strings", lambda: gm.frechet_distance([["a"]], F), "frechet_distance", "f1"),
    ("gm.fid_gaussians nan", lambda: gm.frechet_distance_gaussians([NAN], [[1.0]], [0.0],
     [[1.0]]), "frechet_distance_gaussians", "mu1"),
    ("gm.fid_gaussians None", lambda: gm.frechet_distance_gaussians(None, [[1.0]], [0.0],
     [[1.0]]), "frechet_distance_gaussians", "mu1"),
    ("gm.inception nan", lambda: gm.inception_score(np.full((4, 10), NAN)), "inception_score",
     "p"),
    ("gm.inception splits bool", lambda: gm.inception_score(P10, splits=True), "inception_score",
     "splits"),
    ("gm.coverage min_share", lambda: gm.class_coverage(P10, min_share=2), "class_coverage",
     "min_share"),
    ("gm.confident nan", lambda: gm.confident_share(P10, threshold=NAN), "confident_share",
     "threshold"),
    ("gm.precision_recall chunk", lambda: gm.precision_recall(F, F, chunk=0), "precision_recall",
     "chunk"),
    ("gm.precision_recall k", lambda: gm.precision_recall(F, F, k=0), "precision_recall", "k"),
    ("gm.to_tanh_range None", lambda: gm.to_tanh_range(None), "to_tanh_range", "images"),
    ("gm.features range", lambda: gm.features(np.full((2, 784), 3.0)), "features", "images"),
    ("gm.features batch", lambda: gm.features(np.zeros((2, 784)), batch_size=0), "features",
     "batch_size"),
    ("gm.probabilities nan", lambda: gm.probabilities(np.full((2, 784), NAN)), "probabilities",
     "images"),
    ("gm.reference", lambda: gm.reference_features("val"), "reference_features", "reference"),
    ("gm.sample_quality k", lambda: gm.sample_quality(np.zeros((4, 784)), k=0), "sample_quality",
     "k"),
    ("gm.sample_quality k big", lambda: gm.sample_quality(np.zeros((4, 784)), k=4),
     "sample_quality", "k"),
    ("gm.mnist_classifier", lambda: gm.mnist_classifier(force="yes"), "mnist_classifier",
     "force"),
    # --- style_transfer_pytorch
    ("stp.content_loss weight", lambda: stp.content_loss(-1.0, t(1, 3, 4, 4), t(1, 3, 4, 4)),
     "content_loss", "content_weight"),
    ("stp.content_loss shapes", lambda: stp.content_loss(1.0, t(1, 3, 4, 4), t(1, 3, 4, 5)),
     "content_loss", "content_current"),
    ("stp.content_loss nan", lambda: stp.content_loss(1.0, t(1, 3, 4, 4), t(1, 3, 4, 4,
     fill=NAN)), "content_loss", "content_original"),
    ("stp.content_loss numpy", lambda: stp.content_loss(1.0, a(1, 3, 4, 4), t(1, 3, 4, 4)),
     "content_loss", "content_current"),
    ("stp.content_loss 3-D", lambda: stp.content_loss(1.0, t(3, 4, 4), t(3, 4, 4)),
     "content_loss", "content_current"),
    ("stp.gram 3-D", lambda: stp.gram_matrix(t(3, 4, 4)), "gram_matrix", "features"),
    ("stp.gram normalize", lambda: stp.gram_matrix(t(1, 3, 4, 4), normalize="no"), "gram_matrix",
     "normalize"),
    ("stp.style_loss lengths", lambda: stp.style_loss([t(1, 3, 4, 4)] * 2, [0, 1],
     [t(1, 3, 3)], [1, 1]), "style_loss", "style_layers"),
    ("stp.style_loss weight", lambda: stp.style_loss([t(1, 3, 4, 4)], [0], [t(1, 3, 3)], [-1]),
     "style_loss", "style_weights[0]"),
    ("stp.style_loss layer", lambda: stp.style_loss([t(1, 3, 4, 4)], [1], [t(1, 3, 3)], [1]),
     "style_loss", "style_layers[0]"),
    ("stp.style_loss target", lambda: stp.style_loss([t(1, 3, 4, 4)], [0], [t(1, 4, 4)], [1]),
     "style_loss", "style_targets[0]"),
    ("stp.style_loss feats", lambda: stp.style_loss([], [], [], []), "style_loss", "feats"),
    ("stp.tv_loss weight", lambda: stp.tv_loss(t(1, 3, 4, 4), -1), "tv_loss", "tv_weight"),
    ("stp.tv_loss nan", lambda: stp.tv_loss(t(1, 3, 4, 4, fill=NAN), 1), "tv_loss", "img"),
    ("stp.tv_loss 3-D", lambda: stp.tv_loss(t(3, 4, 4), 1), "tv_loss", "img"),
    ("stp.extract_features cnn", lambda: stp.extract_features(t(1, 3, 4, 4), "cnn"),
     "extract_features", "cnn"),
    ("stp.preprocess size", lambda: stp.preprocess(np.zeros((4, 4, 3), np.uint8), size=(0, 4)),
     "preprocess", "size"),
    ("stp.deprocess", lambda: stp.deprocess(t(1, 1, 4, 4)), "deprocess", "img"),
    ("stp.style_transfer max_iter", lambda: style_torch(max_iter=0), "style_transfer",
     "max_iter"),
    ("stp.style_transfer content_layer", lambda: style_torch(content_layer=3), "style_transfer",
     "content_layer"),
    ("stp.style_transfer weights", lambda: style_torch(style_weights=[1.0]), "style_transfer",
     "style_layers"),
    ("stp.style_transfer lr", lambda: style_torch(initial_lr=0), "style_transfer",
     "initial_lr"),
    ("stp.style_transfer tv", lambda: style_torch(tv_weight=NAN), "style_transfer", "tv_weight"),
    ("stp.style_transfer cnn", lambda: style_torch(cnn="x"), "style_transfer", "cnn"),
    # --- style_transfer_tensorflow
    ("stt.content_loss weight", lambda: stt.content_loss(NAN, a(1, 4, 4, 3), a(1, 4, 4, 3)),
     "content_loss", "content_weight"),
    ("stt.content_loss shapes", lambda: stt.content_loss(1.0, a(1, 4, 4, 3), a(1, 4, 5, 3)),
     "content_loss", "content_current"),
    ("stt.content_loss nan", lambda: stt.content_loss(1.0, a(1, 4, 4, 3, fill=NAN),
     a(1, 4, 4, 3)), "content_loss", "content_current"),
    ("stt.gram N=2", lambda: stt.gram_matrix(a(2, 4, 4, 3)), "gram_matrix", "features"),
    ("stt.style_loss target", lambda: stt.style_loss([a(1, 4, 4, 3)], [0], [a(1, 3, 3)], [1]),
     "style_loss", "style_targets[0]"),
    ("stt.style_loss layer", lambda: stt.style_loss([a(1, 4, 4, 3)], [-1], [a(3, 3)], [1]),
     "style_loss", "style_layers[0]"),
    ("stt.tv_loss weight", lambda: stt.tv_loss(a(1, 4, 4, 3), NAN), "tv_loss", "tv_weight"),
    ("stt.tv_loss empty", lambda: stt.tv_loss(a(0, 4, 4, 3), 1.0), "tv_loss", "img"),
    ("stt.extract_features x", lambda: stt.extract_features(a(8, 8, 3), FakeSqueezeNet()),
     "extract_features", "x"),
    ("stt.load_image size", lambda: stt.load_image("tubingen", 0, legacy=True), "load_image",
     "size"),
    ("stt.style_transfer model", lambda: style_tf(model=object()), "style_transfer", "model"),
    ("stt.style_transfer layer", lambda: style_tf(style_layers=[0, 2]), "style_transfer",
     "style_layers[1]"),
    ("stt.style_transfer decay", lambda: style_tf(decay_lr_at=-1), "style_transfer",
     "decay_lr_at"),
    ("stt.style_transfer size", lambda: style_tf(image_size=0), "style_transfer", "image_size"),
    # --- net_visualization_pytorch
    ("nvt.saliency y range", lambda: nvt.compute_saliency_maps(X2, [0, 7], torch_classifier()),
     "compute_saliency_maps", "y"),
    ("nvt.saliency y float", lambda: nvt.compute_saliency_maps(X2, [0, 0.5], torch_classifier()),
     "compute_saliency_maps", "y"),
    ("nvt.saliency y length", lambda: nvt.compute_saliency_maps(X2, [0], torch_classifier()),
     "compute_saliency_maps", "y"),
    ("nvt.saliency X numpy", lambda: nvt.compute_saliency_maps(a(2, 3, 4, 4), [0, 1],
     torch_classifier()), "compute_saliency_maps", "X"),
    ("nvt.saliency X int", lambda: nvt.compute_saliency_maps(torch.zeros(2, 3, 4, 4,
     dtype=torch.long), [0, 1], torch_classifier()), "compute_saliency_maps", "X"),
    ("nvt.saliency X empty", lambda: nvt.compute_saliency_maps(torch.zeros(0, 3, 4, 4), [],
     torch_classifier()), "compute_saliency_maps", "X"),
    ("nvt.saliency model", lambda: nvt.compute_saliency_maps(X2, [0, 1], "m"),
     "compute_saliency_maps", "model"),
    ("nvt.fooling target -1", lambda: nvt.make_fooling_image(X1, -1, torch_classifier()),
     "fooling_attack", "target_y"),
    ("nvt.fooling target K", lambda: nvt.make_fooling_image(X1, 7, torch_classifier()),
     "fooling_attack", "target_y"),
    ("nvt.fooling target float", lambda: nvt.make_fooling_image(X1, 1.5, torch_classifier()),
     "fooling_attack", "target_y"),
    ("nvt.fooling max_iters", lambda: nvt.make_fooling_image(X1, 1, torch_classifier(),
     max_iters=-1), "fooling_attack", "max_iters"),
    ("nvt.fooling lr", lambda: nvt.fooling_attack(X1, 1, torch_classifier(), learning_rate=0),
     "fooling_attack", "learning_rate"),
    ("nvt.update target", lambda: nvt.class_visualization_update_step(X1.clone(),
     torch_classifier(), 9, 0.1, 1.0), "class_visualization_update_step", "target_y"),
    ("nvt.update l2_reg", lambda: nvt.class_visualization_update_step(X1.clone(),
     torch_classifier(), 1, -0.1, 1.0), "class_visualization_update_step", "l2_reg"),
    ("nvt.update lr", lambda: nvt.class_visualization_update_step(X1.clone(),
     torch_classifier(), 1, 0.1, NAN), "class_visualization_update_step", "learning_rate"),
    ("nvt.update img", lambda: nvt.class_visualization_update_step(X2.clone(),
     torch_classifier(), 1, 0.1, 1.0), "class_visualization_update_step", "img"),
    ("nvt.jitter ox", lambda: nvt.jitter(X2, 1.5, 0), "jitter", "ox"),
    ("nvt.jitter X", lambda: nvt.jitter(t(3, 4, 4), 1, 0), "jitter", "X"),
    ("nvt.blur sigma", lambda: nvt.blur_image(X2.clone(), sigma=0), "blur_image", "sigma"),
    ("nvt.blur X", lambda: nvt.blur_image(a(2, 3, 4, 4)), "blur_image", "X"),
    ("nvt.preprocess float", lambda: nvt.preprocess(a(4, 4, 3)), "preprocess", "img"),
    ("nvt.preprocess size", lambda: nvt.preprocess(np.zeros((4, 4, 3), np.uint8), size=0),
     "preprocess", "size"),
    ("nvt.deprocess nan", lambda: nvt.deprocess(t(1, 3, 4, 4, fill=NAN)), "deprocess", "img"),
    ("nvt.class_vis target", lambda: nvt.class_visualization(-1, torch_classifier()),
     "class_visualization", "target_y"),
    ("nvt.class_vis iterations", lambda: nvt.class_visualization(1, torch_classifier(),
     num_iterations=0), "class_visualization", "num_iterations"),
    ("nvt.class_vis jitter", lambda: nvt.class_visualization(1, torch_classifier(),
     max_jitter=-1), "class_visualization", "max_jitter"),
    # --- net_visualization_tensorflow
    ("nvf.saliency y range", lambda: nvf.compute_saliency_maps(X2_TF, [0, 5], keras_classifier()),
     "compute_saliency_maps", "y"),
    ("nvf.saliency X", lambda: nvf.compute_saliency_maps(a(2, 3, 4, 4), [0, 1],
     keras_classifier()), "compute_saliency_maps", "X"),
    ("nvf.saliency X list", lambda: nvf.compute_saliency_maps([1.0], [0], keras_classifier()),
     "compute_saliency_maps", "X"),
    ("nvf.fooling target", lambda: nvf.make_fooling_image(X1_TF, 7, keras_classifier()),
     "fooling_attack", "target_y"),
    ("nvf.fooling max_iters", lambda: nvf.fooling_attack(X1_TF, 1, keras_classifier(),
     max_iters=1.5), "fooling_attack", "max_iters"),
    ("nvf.update l2_reg", lambda: nvf.class_visualization_update_step(X1_TF, keras_classifier(),
     1, -1.0, 1.0), "class_visualization_update_step", "l2_reg"),
    ("nvf.update target", lambda: nvf.class_visualization_update_step(X1_TF, keras_classifier(),
     5, 0.1, 1.0), "class_visualization_update_step", "target_y"),
    ("nvf.jitter oy", lambda: nvf.jitter(X2_TF, 0, 2.5), "jitter", "oy"),
    ("nvf.jitter X", lambda: nvf.jitter(None, 0, 1), "jitter", "X"),
    ("nvf.blur sigma", lambda: nvf.blur_image(X2_TF, sigma=-1), "blur_image", "sigma"),
    ("nvf.class_vis iterations", lambda: nvf.class_visualization(1, keras_classifier(),
     num_iterations=0), "class_visualization", "num_iterations"),
    ("nvf.class_vis jitter", lambda: nvf.class_visualization(1, keras_classifier(),
     max_jitter=0), "class_visualization", "max_jitter"),
    ("nvf.class_vis callback", lambda: nvf.class_visualization(1, keras_classifier(),
     callback=3), "class_visualization", "callback"),
    # --- image_utils
    ("iu.preprocess_image 2-D", lambda: iu.preprocess_image(np.zeros((4, 5))),
     "preprocess_image", "img"),
    ("iu.preprocess_image nan", lambda: iu.preprocess_image(np.full((2, 2, 3), NAN)),
     "preprocess_image", "img"),
    ("iu.preprocess_image str", lambda: iu.preprocess_image([["a", "b", "c"]]),
     "preprocess_image", "img"),
    ("iu.deprocess_image channels", lambda: iu.deprocess_image(np.zeros((4, 4, 2))),
     "deprocess_image", "img"),
    ("iu.deprocess_image W=3 (H, W)", lambda: iu.deprocess_image(np.zeros((4, 3))),
     "deprocess_image", "img"),
    ("iu.deprocess_image rescale", lambda: iu.deprocess_image(np.zeros((4, 4, 3)), rescale="y"),
     "deprocess_image", "rescale"),
    ("iu.blur_image", lambda: iu.blur_image(np.zeros((3, 3))), "blur_image", "X"),
    ("iu.load_image size", lambda: iu.load_image("tubingen", size=0), "load_image", "size"),
    ("iu.resolve_image_path", lambda: iu.resolve_image_path(None), "resolve_image_path", "name"),
    ("iu.image_from_url", lambda: iu.image_from_url(5), "image_from_url", "url"),
]  # fmt: skip


@pytest.mark.parametrize("call, fn, arg", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_call_is_a_clear_error(call, fn, arg):
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    message = str(info.value)
    assert message.startswith(f"{fn}: "), message
    assert arg in message, message


# --------------------------------------------------------------------------- what stays valid


def test_the_course_shapes_stay_valid():
    # the official checks pass (N,) logits; the loops pass (N, 1)
    for shape in ((5,), (5, 1)):
        x = torch.randn(*shape, dtype=torch.float64)
        got = gp.discriminator_loss(x, x.flip(0))
        want = gp.bce_loss(x, torch.ones_like(x)) + gp.bce_loss(x.flip(0), torch.zeros_like(x))
        assert torch.equal(got, want)
    # the TF loop's last batch: fewer real logits than the batch_size fakes
    d = gt.discriminator_loss(np.zeros((3, 1)), np.zeros((8, 1)))
    assert np.isclose(float(d), 2 * np.log(2))
    assert np.isclose(float(gt.ls_discriminator_loss(np.ones(3), np.zeros(8))), 0.0)


def test_symbolic_tensors_in_a_traced_function_pass_the_checks():
    """Inside tf.function the shapes are partly unknown and the values not there: the checks
    of the losses must neither fail nor add work to the graph's steps."""
    loss = tf.function(lambda real, fake: gt.discriminator_loss(real, fake))
    spec = tf.TensorSpec((None, 1), tf.float32)
    concrete = loss.get_concrete_function(spec, spec)
    out = concrete(tf.zeros((2, 1)), tf.zeros((7, 1)))
    assert np.isclose(float(out), 2 * np.log(2))
    # a symbolic NaN cannot be seen at trace time: the value passes through (as TF's ops do)
    assert np.isnan(float(concrete(tf.fill((2, 1), np.nan), tf.zeros((2, 1)))))


def test_check_scores_accepts_unknown_batch_and_rejects_a_known_empty_one():
    with pytest.raises(ValueError, match=r"f: s must have shape \(N,\) or \(N, 1\) with N >= 1"):
        check_scores("f", "s", torch.zeros(0, 1))
    assert check_scores("f", "s", np.zeros((2, 1))).shape == (2, 1)


def test_checks_do_not_change_a_seeded_torch_gan_run():
    """The losses' checks (isfinite, shapes) touch no random generator: a seeded run gives the
    losses of the same run computed by hand with the unchecked formula."""
    torch.manual_seed(0)
    D, G, Ds, Gs = torch_gan()
    hist = gp.run_a_gan(
        D, G, Ds, Gs, gp.discriminator_loss, gp.generator_loss, GAN_LOADER, show_every=0,
        batch_size=4, noise_size=4, num_epochs=2, show=False, seed=3,
    )  # fmt: skip
    torch.manual_seed(0)
    D, G, Ds, Gs = torch_gan()
    torch.manual_seed(3)
    losses = []
    for _ in range(2):
        x = GAN_LOADER[0][0]
        Ds.zero_grad()
        real = D(2 * x - 1.0)
        fake = D(G(2 * torch.rand(4, 4) - 1).detach().view(4, 1, 28, 28))
        d = gp._bce(real, torch.ones_like(real)) + gp._bce(fake, torch.zeros_like(fake))
        d.backward()
        Ds.step()
        Gs.zero_grad()
        fake = D(G(2 * torch.rand(4, 4) - 1).view(4, 1, 28, 28))
        g = gp._bce(fake, torch.ones_like(fake))
        g.backward()
        Gs.step()
        losses.append((d.item(), g.item()))
    np.testing.assert_array_equal(hist["d_loss"], [d for d, _ in losses])
    np.testing.assert_array_equal(hist["g_loss"], [g for _, g in losses])
