"""Our convolution kernels: im2col and Winograd in numpy and Cython, backend choice, scratch."""
