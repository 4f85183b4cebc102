"""cs231n: the Stanford CS231n 2020 assignments as one installable package.

Module map (official 2020 starter-code names, assignments 1 to 3 merged, plus a
few helper modules so the notebooks stay thin):

* data and tooling: :mod:`cs231n.paths` (where data lives), :mod:`cs231n.data_utils`
  (loaders), :mod:`cs231n.datasets` (registry behind ``cs231n data``),
  :mod:`cs231n.quick` (quick mode), :mod:`cs231n.results` (headline numbers),
  :mod:`cs231n.notebooks` (headless runner), :mod:`cs231n.cli` (the ``cs231n`` command)
* assignment 1: :mod:`cs231n.classifiers.k_nearest_neighbor`,
  :mod:`cs231n.classifiers.linear_svm`, :mod:`cs231n.classifiers.softmax`,
  :mod:`cs231n.classifiers.linear_classifier`, :mod:`cs231n.classifiers.neural_net`,
  :mod:`cs231n.features`, :mod:`cs231n.gradient_check`, :mod:`cs231n.vis_utils`;
  helpers :mod:`cs231n.a1_data` (the course's splits), :mod:`cs231n.a1_plots`,
  :mod:`cs231n.hyperparams` (grid/random search, k-fold CV, two workers)
* assignment 2 (numpy): :mod:`cs231n.layers` (re-exports :mod:`cs231n.conv_layers` and
  :mod:`cs231n.norm_layers`), :mod:`cs231n.layer_utils`, :mod:`cs231n.fast_layers`,
  :mod:`cs231n.winograd` (3x3 stride-1 convolution by Winograd F(2x2, 3x3)),
  :mod:`cs231n.im2col`, :mod:`cs231n.im2col_numpy` (and the optional compiled
  ``cs231n.im2col_cython``), :mod:`cs231n.optim`, :mod:`cs231n.solver`,
  :mod:`cs231n.classifiers.fc_net`, :mod:`cs231n.classifiers.cnn`
* assignment 2 (frameworks): :mod:`cs231n.framework_data` (the shared split and
  augmentation), :mod:`cs231n.torch_cifar`, :mod:`cs231n.torch_models`,
  :mod:`cs231n.tf_cifar`, :mod:`cs231n.tf_models`
* assignment 3 (so far the data side): :mod:`cs231n.coco_utils`, :mod:`cs231n.image_utils`
"""

__version__ = "0.1.0"
