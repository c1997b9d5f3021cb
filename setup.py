"""Build the compiled training kernels (``skmlp/_core/_kernels.pyx``).

Everything else about the package is declared in ``pyproject.toml``. The
extension is the top-level module ``_skmlp_kernels`` (see the ``.pyx`` file's
docstring for why), compiled with the SHA-256 of its sources (the ``.pyx``
and the C loops it includes) so that :mod:`skmlp._core.kernels` can tell a
stale build from a current one.
"""

import hashlib
import sys
from pathlib import Path

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

SOURCE = Path("skmlp") / "_core" / "_kernels.pyx"
LOOPS = SOURCE.with_name("_kernels_loops.h")  # included by the .pyx
SOURCE_HASH = hashlib.sha256(b"".join((Path(__file__).parent / path).read_bytes()
                                      for path in (SOURCE, LOOPS))).hexdigest()

# Bitwise equality with the NumPy reference needs IEEE arithmetic exactly as
# written: no contraction of a * b + c into a fused multiply-add, no
# reassociation; -fno-math-errno only lets sqrt vectorise.
COMPILE_ARGS = [] if sys.platform == "win32" else ["-O3", "-ffp-contract=off",
                                                    "-fno-math-errno"]

kernels = Extension(
    "_skmlp_kernels",
    sources=[str(SOURCE)],
    define_macros=[("SKMLP_KERNELS_SOURCE_HASH", f'"{SOURCE_HASH}"'),
                   ("NPY_NO_DEPRECATED_API", "NPY_1_9_API_VERSION")],
    include_dirs=[numpy.get_include(), str(SOURCE.parent)],
    depends=[str(LOOPS)],
    extra_compile_args=COMPILE_ARGS,
    # Without a C compiler the install goes on without the kernels: skmlp then
    # trains with the NumPy reference alone (slower, same math), and
    # tests/test_kernels.py says the kernels are missing.
    optional=True,
)

setup(ext_modules=cythonize([kernels], language_level=3))
