"""Build the optional Cython extensions ``cs231n.kernels.im2col_cython`` and ``winograd_cython``.

Everything else lives in ``pyproject.toml``. If the extension cannot be built
(no compiler), the install still succeeds and :mod:`cs231n.fast_layers` /
:mod:`cs231n.kernels.winograd` fall back to their pure-numpy implementations with one warning each.
"""

import sys

import numpy as np
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """A build_ext that reports a failed compile instead of failing the install."""

    def run(self):
        try:
            super().run()
        except Exception as exc:  # noqa: BLE001 - any compiler failure
            print(
                f"warning: the cs231n extensions were not built ({exc}); "
                "the pure-numpy fallback will be used",
                file=sys.stderr,
            )

    def build_extension(self, ext):
        try:
            super().build_extension(ext)
        except Exception as exc:  # noqa: BLE001
            print(
                f"warning: {ext.name} not built ({exc}); the pure-numpy fallback will be used",
                file=sys.stderr,
            )


def extensions():
    from pathlib import Path

    from Cython.Build import cythonize

    exts = [
        Extension(
            f"cs231n.kernels.{name}",
            [f"cs231n/kernels/{name}.pyx"],
            include_dirs=[np.get_include()],
            define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
            extra_compile_args=["-O3"],
        )
        for name in ("im2col_cython", "winograd_cython")
        if Path(f"cs231n/kernels/{name}.pyx").exists()
    ]
    if not exts:
        return []
    return cythonize(
        exts, compiler_directives={"language_level": 3, "cdivision": False}, quiet=True
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
