"""The numeric core of skmlp: activations, losses, initialisation, forward and
backward passes and optimizers.

Everything in this subpackage imports only NumPy and SciPy. It never imports
scikit-learn, nor any module outside ``skmlp._core``; ``tests/test_layering.py``
enforces this.
"""
