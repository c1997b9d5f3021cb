import numpy as np
import pytest


def central_differences(f, params, eps=1e-6):
    """Gradient of the scalar function ``f`` at ``params`` by central differences.

    An independent reference for backpropagation: it only evaluates ``f``.
    """
    params = params.copy()
    grad = np.empty_like(params)
    for i in range(params.size):
        saved = params[i]
        params[i] = saved + eps
        f_plus = f(params)
        params[i] = saved - eps
        f_minus = f(params)
        params[i] = saved
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(a, b):
    """max |a - b| / max(|a|, |b|), the scale-free error of a gradient check."""
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-12)


@pytest.fixture
def rng():
    return np.random.default_rng(0)


@pytest.fixture(params=["compiled", "numpy"])
def kernel_path(request, monkeypatch):
    """Run a test with the compiled kernels, then with the NumPy reference alone.

    The compiled kernels (``skmlp/_core/_kernels.pyx``) replace the optimizer
    updates and the loss and gradient of dense mini-batches where they are
    built; a module that checks the math with ``pytestmark =
    pytest.mark.usefixtures("kernel_path")`` checks both forms.
    """
    from skmlp._core import kernels

    if request.param == "numpy":
        monkeypatch.setattr(kernels, "compiled", None)
    return request.param


@pytest.fixture(scope="module")
def client():
    """A ``distributed.Client`` on a loopback cluster of two worker processes,
    one thread each; one per test module (the Dask tests need the dask extra)."""
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(host="127.0.0.1", n_workers=2, threads_per_worker=1,
                                       processes=True, dashboard_address=None)
    dask_client = distributed.Client(cluster)
    try:
        yield dask_client
    finally:
        dask_client.close()
        cluster.close()


def pytest_collection_modifyitems(items):
    """Let a test module mark the items collected from it.

    tests/test_sklearn_mlp_suite.py re-exposes scikit-learn's own MLP tests and
    skips or xfails some of them by name through its ``mark_collected_item``.
    """
    for item in items:
        mark = getattr(getattr(item, "module", None), "mark_collected_item", None)
        if mark is not None:
            mark(item)
