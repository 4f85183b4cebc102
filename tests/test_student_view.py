"""A student's view: the official 2020 notebooks' import lines and data-loading calls, on our package.

A student who installs this package and opens an official 2020 notebook of assignment 1 or 2
has a working folder holding ``cs231n/datasets/cifar-10-batches-py`` (what ``get_datasets.sh``
downloads) and ``cs231n/notebook_images/`` (ConvolutionalNetworks' kitten and puppy), but no
``cs231n/__init__.py`` of their own and no ``$CS231N_DATA``. This test builds that folder in
``tmp_path`` (symlinks to the real data), writes a notebook of the official cells' statements
(transcribed; a comment names the notebook of each block), and runs it with nbclient through
:func:`cs231n.tooling.runner.run_notebook`, the runner of ``tests/test_notebooks.py``, in a fresh
``python3`` kernel whose working directory is that folder and whose environment has no
``$CS231N_DATA`` and an empty home (so ``data_root()``'s default folder holds nothing either):
only the official relative path ``cs231n/datasets/cifar-10-batches-py`` can find the data.

Left out, and why:

* The Colab cells (``drive.mount``, ``%cd``/``%cp``, ``!bash get_datasets.sh``) and the
  ConvolutionalNetworks ``python setup.py build_ext --inplace`` cell: Colab only, or replaced by
  installing the package (which builds the Cython extension).
* PyTorch.ipynb's ``import torchvision.datasets as dset`` / ``import torchvision.transforms as T``
  and its ``dset.CIFAR10('./cs231n/datasets', download=True, ...)`` loaders: torchvision cannot be
  installed here (the available builds need CUDA). Our PyTorch notebook builds the same splits with
  ``cs231n.frameworks.data.framework_splits`` and the loaders with
  ``cs231n.frameworks.torch_cifar.make_loaders`` instead.
* TensorFlow.ipynb's ``load_cifar10()``, i.e. ``tf.keras.datasets.cifar10.load_data()``: Keras
  (3.x, ``keras/src/datasets/cifar10.py``) calls ``get_file('cifar-10-batches-py-target', origin=...,
  extract=True, file_hash=<sha256 of the official tar.gz>)``, which downloads unless the archive
  ``$KERAS_HOME/datasets/cifar-10-batches-py-target_archive`` exists and has that hash; an extracted
  ``cifar-10-batches-py`` folder is never looked at, so it cannot run offline from the batches.
  Our TensorFlow notebook uses ``framework_splits`` too.
* The get_CIFAR10_data helpers that softmax.ipynb and two_layer_net.ipynb define make the same
  ``load_CIFAR10('cs231n/datasets/cifar-10-batches-py')`` call as the knn/svm cell (then numpy
  only); features.ipynb's is run, so the notebook loads the full CIFAR-10 three times in all
  (knn/svm, features, and ``cs231n.data_utils.get_CIFAR10_data()`` of assignment 2, whose call
  ConvolutionalNetworks repeats).
"""

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from cs231n.paths import DATA_ENV, REPO_ROOT
from cs231n.tooling.runner import run_notebook

pytestmark = [pytest.mark.notebook, pytest.mark.data]

# Seconds per cell: loading CIFAR-10 takes a few seconds, importing TensorFlow about ten.
CELL_TIMEOUT = 300

_PLOT_SETUP = """\
%matplotlib inline
plt.rcParams['figure.figsize'] = (10.0, 8.0) # set default size of plots
plt.rcParams['image.interpolation'] = 'nearest'
plt.rcParams['image.cmap'] = 'gray'

# for auto-reloading external modules
# see http://stackoverflow.com/questions/1907993/autoreload-of-modules-in-ipython
%load_ext autoreload
%autoreload 2
"""

_REL_ERROR = '''
def rel_error(x, y):
  """ returns relative error """
  return np.max(np.abs(x - y) / (np.maximum(1e-8, np.abs(x) + np.abs(y))))
'''

# (name, source). Names marked "ours" are checks of this test, not official cells.
CELLS = [
    (
        "ours: the kernel",
        f"""\
# ours: the setting a student has (installed package, no own cs231n/__init__.py, no $CS231N_DATA)
import os
import cs231n
print('cwd:', os.getcwd())
print('cs231n from:', cs231n.__file__)
assert not os.path.exists('cs231n/__init__.py')
assert '{DATA_ENV}' not in os.environ
assert cs231n.__file__ is not None and cs231n.__file__.startswith({str(REPO_ROOT)!r}), (
    'import cs231n did not import the installed package: ' + repr(cs231n))
""",
    ),
    (
        "knn/svm/softmax/features: setup",
        """\
# knn.ipynb, svm.ipynb, softmax.ipynb, features.ipynb: the setup cell
import random
import numpy as np
from cs231n.data_utils import load_CIFAR10
import matplotlib.pyplot as plt

"""
        + _PLOT_SETUP,
    ),
    (
        "knn/svm: load",
        """\
# knn.ipynb, svm.ipynb: load the raw CIFAR-10 data.
cifar10_dir = 'cs231n/datasets/cifar-10-batches-py'

# Cleaning up variables to prevent loading data multiple times (which may cause memory issue)
try:
   del X_train, y_train
   del X_test, y_test
   print('Clear previously loaded data.')
except:
   pass

X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)

# As a sanity check, we print out the size of the training and test data.
print('Training data shape: ', X_train.shape)
print('Training labels shape: ', y_train.shape)
print('Test data shape: ', X_test.shape)
print('Test labels shape: ', y_test.shape)
""",
    ),
    (
        "knn: subsample",
        """\
# knn.ipynb: subsample the data for more efficient code execution in this exercise
num_training = 5000
mask = list(range(num_training))
X_train = X_train[mask]
y_train = y_train[mask]

num_test = 500
mask = list(range(num_test))
X_test = X_test[mask]
y_test = y_test[mask]

# Reshape the image data into rows
X_train = np.reshape(X_train, (X_train.shape[0], -1))
X_test = np.reshape(X_test, (X_test.shape[0], -1))
print(X_train.shape, X_test.shape)
""",
    ),
    (
        "knn: classifier",
        """\
# knn.ipynb
from cs231n.classifiers import KNearestNeighbor

classifier = KNearestNeighbor()
classifier.train(X_train, y_train)
dists_no = classifier.compute_distances_no_loops(X_test)
print(dists_no.shape)
""",
    ),
    (
        "svm/softmax: imports",
        """\
# svm.ipynb
from cs231n.classifiers.linear_svm import svm_loss_naive
import time
from cs231n.gradient_check import grad_check_sparse
from cs231n.classifiers.linear_svm import svm_loss_vectorized
from cs231n.classifiers import LinearSVM

# softmax.ipynb
from cs231n.classifiers.softmax import softmax_loss_naive
from cs231n.classifiers.softmax import softmax_loss_vectorized
from cs231n.classifiers import Softmax
""",
    ),
    (
        "two_layer_net: setup",
        """\
# two_layer_net.ipynb: the setup cell
import numpy as np
import matplotlib.pyplot as plt

from cs231n.classifiers.neural_net import TwoLayerNet

"""
        + _PLOT_SETUP
        + _REL_ERROR
        + """
# two_layer_net.ipynb: later cells
from cs231n.gradient_check import eval_numerical_gradient
from cs231n.data_utils import load_CIFAR10
from cs231n.vis_utils import visualize_grid
""",
    ),
    (
        "features: load",
        """\
# features.ipynb: load data
from cs231n.features import color_histogram_hsv, hog_feature

def get_CIFAR10_data(num_training=49000, num_validation=1000, num_test=1000):
    # Load the raw CIFAR-10 data
    cifar10_dir = 'cs231n/datasets/cifar-10-batches-py'

    # Cleaning up variables to prevent loading data multiple times (which may cause memory issue)
    try:
       del X_train, y_train
       del X_test, y_test
       print('Clear previously loaded data.')
    except:
       pass

    X_train, y_train, X_test, y_test = load_CIFAR10(cifar10_dir)

    # Subsample the data
    mask = list(range(num_training, num_training + num_validation))
    X_val = X_train[mask]
    y_val = y_train[mask]
    mask = list(range(num_training))
    X_train = X_train[mask]
    y_train = y_train[mask]
    mask = list(range(num_test))
    X_test = X_test[mask]
    y_test = y_test[mask]

    return X_train, y_train, X_val, y_val, X_test, y_test

X_train, y_train, X_val, y_val, X_test, y_test = get_CIFAR10_data()
print(X_train.shape, X_val.shape, X_test.shape)  # ours
""",
    ),
    (
        "features: extract",
        """\
# features.ipynb: extract features (the official call, on the first 100 images of each split)
from cs231n.features import *

num_color_bins = 10 # Number of bins in the color histogram
feature_fns = [hog_feature, lambda img: color_histogram_hsv(img, nbin=num_color_bins)]
X_train_feats = extract_features(X_train[:100], feature_fns, verbose=True)
X_val_feats = extract_features(X_val[:100], feature_fns)
X_test_feats = extract_features(X_test[:100], feature_fns)
print(X_train_feats.shape)  # ours

# features.ipynb: later cells
from cs231n.classifiers.linear_classifier import LinearSVM
from cs231n.classifiers.neural_net import TwoLayerNet

del X_train, y_train, X_val, y_val, X_test, y_test  # ours: free assignment 1's data
""",
    ),
    (
        "FullyConnectedNets/BatchNormalization/Dropout: setup",
        """\
# FullyConnectedNets.ipynb (BatchNormalization.ipynb and Dropout.ipynb have the same imports)
# As usual, a bit of setup
from __future__ import print_function
import time
import numpy as np
import matplotlib.pyplot as plt
from cs231n.classifiers.fc_net import *
from cs231n.data_utils import get_CIFAR10_data
from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.solver import Solver

"""
        + _PLOT_SETUP
        + _REL_ERROR,
    ),
    (
        "FullyConnectedNets: load",
        """\
# FullyConnectedNets.ipynb, BatchNormalization.ipynb, Dropout.ipynb (and ConvolutionalNetworks.ipynb
# with the same call): load the (preprocessed) CIFAR10 data.

data = get_CIFAR10_data()
for k, v in list(data.items()):
  print(('%s: ' % k, v.shape))
""",
    ),
    (
        "ours: fc_net star",
        """\
# ours: the names these notebooks use after `from cs231n.classifiers.fc_net import *`
used = ['affine_forward', 'affine_backward', 'relu_forward', 'relu_backward', 'softmax_loss',
        'svm_loss', 'affine_relu_forward', 'affine_relu_backward', 'TwoLayerNet',
        'FullyConnectedNet', 'batchnorm_forward', 'batchnorm_backward', 'batchnorm_backward_alt',
        'layernorm_forward', 'layernorm_backward', 'dropout_forward', 'dropout_backward']
print('missing:', [name for name in used if name not in globals()])
""",
    ),
    (
        "FullyConnectedNets: later imports",
        """\
# FullyConnectedNets.ipynb: later cells
from cs231n.layer_utils import affine_relu_forward, affine_relu_backward
from cs231n.optim import sgd_momentum
from cs231n.optim import rmsprop
from cs231n.optim import adam
""",
    ),
    (
        "ConvolutionalNetworks: setup",
        """\
# ConvolutionalNetworks.ipynb
# As usual, a bit of setup
import numpy as np
import matplotlib.pyplot as plt
from cs231n.classifiers.cnn import *
from cs231n.data_utils import get_CIFAR10_data
from cs231n.gradient_check import eval_numerical_gradient_array, eval_numerical_gradient
from cs231n.layers import *
from cs231n.fast_layers import *
from cs231n.solver import Solver

"""
        + _PLOT_SETUP
        + _REL_ERROR
        + """
# ours: the names the notebook uses from these star imports
used = ['conv_forward_naive', 'conv_backward_naive', 'max_pool_forward_naive',
        'max_pool_backward_naive', 'spatial_batchnorm_forward', 'spatial_batchnorm_backward',
        'spatial_groupnorm_forward', 'spatial_groupnorm_backward', 'ThreeLayerConvNet']
print('missing:', [name for name in used if name not in globals()])
""",
    ),
    (
        "ConvolutionalNetworks: images",
        """\
# ConvolutionalNetworks.ipynb: image processing via convolutions
from imageio import imread
from PIL import Image

kitten = imread('cs231n/notebook_images/kitten.jpg')
puppy = imread('cs231n/notebook_images/puppy.jpg')
print(kitten.shape, puppy.shape)  # ours
# kitten is wide, and puppy is already square
d = kitten.shape[1] - kitten.shape[0]
kitten_cropped = kitten[:, d//2:-d//2, :]

img_size = 200   # Make this smaller if it runs too slow
resized_puppy = np.array(Image.fromarray(puppy).resize((img_size, img_size)))
resized_kitten = np.array(Image.fromarray(kitten_cropped).resize((img_size, img_size)))
x = np.zeros((2, 3, img_size, img_size))
x[0, :, :, :] = resized_puppy.transpose((2, 0, 1))
x[1, :, :, :] = resized_kitten.transpose((2, 0, 1))

# Set up a convolutional weights holding 2 filters, each 3x3
w = np.zeros((2, 3, 3, 3))

# The first filter converts the image to grayscale.
# Set up the red, green, and blue channels of the filter.
w[0, 0, :, :] = [[0, 0, 0], [0, 0.3, 0], [0, 0, 0]]
w[0, 1, :, :] = [[0, 0, 0], [0, 0.6, 0], [0, 0, 0]]
w[0, 2, :, :] = [[0, 0, 0], [0, 0.1, 0], [0, 0, 0]]

# Second filter detects horizontal edges in the blue channel.
w[1, 2, :, :] = [[1, 2, 1], [0, 0, 0], [-1, -2, -1]]

# Vector of biases. We don't need any bias for the grayscale
# filter, but for the edge detection filter we want to add 128
# to each output so that nothing is negative.
b = np.array([0, 128])

# Compute the result of convolving each input in x with each filter in w,
# offsetting by b, and storing the results in out.
out, _ = conv_forward_naive(x, w, b, {'stride': 1, 'pad': 1})
print(kitten_cropped.shape, out.shape)  # ours

def imshow_no_ax(img, normalize=True):
    \"\"\" Tiny helper to show images as uint8 and remove axis labels \"\"\"
    if normalize:
        img_max, img_min = np.max(img), np.min(img)
        img = 255.0 * (img - img_min) / (img_max - img_min)
    plt.imshow(img.astype('uint8'))
    plt.gca().axis('off')

# Show the original images and the results of the conv operation
plt.subplot(2, 3, 1)
imshow_no_ax(puppy, normalize=False)
plt.title('Original image')
plt.subplot(2, 3, 2)
imshow_no_ax(out[0, 0])
plt.title('Grayscale')
plt.subplot(2, 3, 3)
imshow_no_ax(out[0, 1])
plt.title('Edges')
plt.subplot(2, 3, 4)
imshow_no_ax(kitten_cropped, normalize=False)
plt.subplot(2, 3, 5)
imshow_no_ax(out[1, 0])
plt.subplot(2, 3, 6)
imshow_no_ax(out[1, 1])
plt.show()
""",
    ),
    (
        "ConvolutionalNetworks: later imports",
        """\
# ConvolutionalNetworks.ipynb: later cells
from cs231n.fast_layers import conv_forward_fast, conv_backward_fast
from time import time
from cs231n.fast_layers import max_pool_forward_fast, max_pool_backward_fast
from cs231n.layer_utils import conv_relu_pool_forward, conv_relu_pool_backward
from cs231n.layer_utils import conv_relu_forward, conv_relu_backward
from cs231n.vis_utils import visualize_grid
""",
    ),
    (
        "PyTorch: imports",
        """\
# PyTorch.ipynb (torchvision.datasets / torchvision.transforms left out: see the module docstring)
import torch
# assert '.'.join(torch.__version__.split('.')[:2]) == '1.4'
import torch.nn as nn
import torch.optim as optim
from torch.utils.data import DataLoader
from torch.utils.data import sampler

import numpy as np

USE_GPU = True

dtype = torch.float32 # we will be using float throughout this tutorial

if USE_GPU and torch.cuda.is_available():
    device = torch.device('cuda')
else:
    device = torch.device('cpu')

# Constant to control how frequently we print train loss
print_every = 100

print('using device:', device)

import torch.nn.functional as F  # useful stateless functions
""",
    ),
    (
        "TensorFlow: imports",
        """\
# TensorFlow.ipynb (load_cifar10() left out: see the module docstring)
import os
import tensorflow as tf
import numpy as np
import math
import timeit
import matplotlib.pyplot as plt

%matplotlib inline
print('TensorFlow', tf.__version__)  # ours
""",
    ),
]


def stdout_of(cell) -> str:
    """What a cell printed to stdout (warnings on stderr are not checked)."""
    return "".join(
        o.get("text", "") for o in cell.outputs if o.output_type == "stream" and o.name == "stdout"
    )


@pytest.mark.timeout(900)
def test_official_2020_cells_run_in_a_student_folder(real_data, tmp_path, monkeypatch):
    student = tmp_path / "assignment"
    datasets = student / "cs231n" / "datasets"
    datasets.mkdir(parents=True)
    (datasets / "cifar-10-batches-py").symlink_to(real_data / "cifar-10-batches-py")
    images = student / "cs231n" / "notebook_images"
    images.mkdir()
    for name in ("kitten.jpg", "puppy.jpg"):
        (images / name).symlink_to(real_data / "cs231n_extras" / name)
    assert not (student / "cs231n" / "__init__.py").exists()

    nb = new_notebook(cells=[new_code_cell(source) for _, source in CELLS])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    path = student / "student_view.ipynb"
    nbformat.write(nb, path)

    # The kernel inherits our environment (run_notebook's kernel_env): a student has no
    # $CS231N_DATA, and an empty home keeps data_root()'s default folder empty too.
    monkeypatch.delenv(DATA_ENV)
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    run = run_notebook(path, timeout=CELL_TIMEOUT, progress=False)
    print(f"student view: {run.seconds:.1f} s (kernel start included; machine shared)")
    assert run.ok, run.error

    executed = nbformat.read(path, as_version=4)
    out = {name: stdout_of(cell) for (name, _), cell in zip(CELLS, executed.cells, strict=True)}
    assert f"cs231n from: {REPO_ROOT / 'cs231n' / '__init__.py'}\n" in out["ours: the kernel"]
    assert out["knn/svm: load"] == (
        "Training data shape:  (50000, 32, 32, 3)\n"
        "Training labels shape:  (50000,)\n"
        "Test data shape:  (10000, 32, 32, 3)\n"
        "Test labels shape:  (10000,)\n"
    )
    assert out["knn: subsample"] == "(5000, 3072) (500, 3072)\n"
    assert out["knn: classifier"] == "(500, 5000)\n"
    assert out["features: load"] == "(49000, 32, 32, 3) (1000, 32, 32, 3) (1000, 32, 32, 3)\n"
    assert out["features: extract"].endswith("(100, 154)\n")
    assert out["FullyConnectedNets: load"] == (
        "('X_train: ', (49000, 3, 32, 32))\n"
        "('y_train: ', (49000,))\n"
        "('X_val: ', (1000, 3, 32, 32))\n"
        "('y_val: ', (1000,))\n"
        "('X_test: ', (1000, 3, 32, 32))\n"
        "('y_test: ', (1000,))\n"
    )
    assert out["ours: fc_net star"] == "missing: []\n"
    # (a second %load_ext autoreload prints "already loaded" first, as in the official runs)
    assert out["ConvolutionalNetworks: setup"].endswith("missing: []\n")
    assert out["ConvolutionalNetworks: images"] == (
        "(266, 400, 3) (517, 517, 3)\n(266, 266, 3) (2, 2, 200, 200)\n"
    )
    assert out["PyTorch: imports"] == "using device: cpu\n"
    assert out["TensorFlow: imports"].startswith("TensorFlow ")
