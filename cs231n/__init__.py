"""cs231n: the Stanford CS231n 2020 assignments as one installable package.

Module map (official 2020 starter-code names, assignments 1 to 3 merged):

* data and tooling: :mod:`cs231n.paths`, :mod:`cs231n.data_utils`,
  :mod:`cs231n.datasets`, :mod:`cs231n.quick`, :mod:`cs231n.results`,
  :mod:`cs231n.cli`
* assignment 1: :mod:`cs231n.classifiers.k_nearest_neighbor`,
  :mod:`cs231n.classifiers.linear_svm`, :mod:`cs231n.classifiers.softmax`,
  :mod:`cs231n.classifiers.linear_classifier`, :mod:`cs231n.classifiers.neural_net`,
  :mod:`cs231n.features`, :mod:`cs231n.gradient_check`, :mod:`cs231n.vis_utils`
* assignment 2: :mod:`cs231n.layers`, :mod:`cs231n.layer_utils`,
  :mod:`cs231n.fast_layers`, :mod:`cs231n.im2col`, :mod:`cs231n.optim`,
  :mod:`cs231n.solver`, :mod:`cs231n.classifiers.fc_net`, :mod:`cs231n.classifiers.cnn`
* assignment 3: :mod:`cs231n.coco_utils`, :mod:`cs231n.image_utils`, ...
"""

__version__ = "0.1.0"
