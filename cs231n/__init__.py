"""cs231n: the Stanford CS231n 2020 assignments as one installable package.

The modules at the top of the package and in ``classifiers/`` are the course's, at their
official 2020 paths (plus ``paths``, ``quick`` and ``results``, which the notebooks import).
Our own machinery lives in subpackages named for what they hold: ``kernels`` (im2col and
Winograd in numpy and Cython, the backend choice), ``nn`` (numpy layers and models that the
official modules re-export or that go beyond the course), ``training`` (schedules,
augmentation, hyperparameter search), ``data`` (the dataset registry and the CIFAR-10 splits),
``frameworks`` (PyTorch and TensorFlow training code), ``plots`` and ``tooling`` (the
``cs231n`` command, the notebook runner). The module map, one line per module, is the
"Layout" section of the README.
"""

__version__ = "0.1.0"
