"""The gallery examples without their optional inputs.

Every example runs once, in full, in the docs build of ``tests/test_docs.py``
(sphinx-gallery executes them; one that raises fails that build). The tests
here run examples as scripts, each in its own subprocess from the repository
root with the non-interactive matplotlib backend, in the situations that
build does not meet: the MNIST examples with a directory that holds no MNIST
files (they say so and still succeed), and the Dask example without dask.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((REPO_ROOT / "examples").rglob("plot_*.py"))
IDS = [path.relative_to(REPO_ROOT / "examples").as_posix() for path in EXAMPLES]
MNIST_EXAMPLES = [path for path in EXAMPLES if "load_mnist" in path.read_text()]
TIMEOUT = 120  # seconds per example


def _example_env(**extra):
    env = dict(os.environ, MPLBACKEND="Agg", **extra)
    # The skmlp of this checkout, even where another one is installed.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT), env.get("PYTHONPATH")]))
    # One BLAS thread per example: the examples train small networks with small
    # mini-batches, for which a second BLAS thread brings little on an idle
    # machine and, on a busy one, makes every matrix product wait for a free
    # core (observed: 10x slower fits). This keeps the run time predictable.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env.setdefault(name, "1")
    return env


def _run(path, env):
    try:
        return subprocess.run(
            [sys.executable, str(path)], cwd=REPO_ROOT, env=env, capture_output=True,
            text=True, timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{path.name} did not finish within {TIMEOUT} s; output so far:\n"
                    f"{exc.stdout or ''}\n{exc.stderr or ''}")


def test_examples_found():
    assert len(EXAMPLES) >= 9, [path.name for path in EXAMPLES]
    assert len(MNIST_EXAMPLES) >= 2, [path.name for path in MNIST_EXAMPLES]
    # The gallery's sections: every example sits in a folder with a header.
    assert all((path.parent / "README.txt").is_file() for path in EXAMPLES), IDS
    assert all(path.parent.parent.name == "examples" for path in EXAMPLES), IDS


@pytest.mark.parametrize("path", MNIST_EXAMPLES,
                         ids=[IDS[EXAMPLES.index(path)] for path in MNIST_EXAMPLES])
def test_mnist_example_without_mnist(path, tmp_path):
    """Without the MNIST files the example says so, skips that part and succeeds."""
    result = _run(path, _example_env(SKMLP_MNIST_DIR=str(tmp_path)))
    assert result.returncode == 0, (
        f"{path.name} exited with status {result.returncode}\n"
        f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
    )
    assert "MNIST files not found" in result.stdout, result.stdout
    assert str(tmp_path) in result.stdout, result.stdout


def test_dask_example_without_dask_says_so_and_skips_its_cluster():
    """With the docs extra alone (no dask) the Dask example still runs."""
    path = REPO_ROOT / "examples" / "scale" / "plot_dask_scaling.py"
    block = ("import sys, runpy\n"
             "for name in ('dask', 'dask.array', 'distributed', 'dask_ml', 'dask_ml.wrappers'):\n"
             "    sys.modules[name] = None\n"
             f"runpy.run_path({str(path)!r}, run_name='__main__')\n")
    result = subprocess.run([sys.executable, "-c", block], cwd=REPO_ROOT, env=_example_env(),
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert result.returncode == 0, result.stderr
    assert "needs the dask extra" in result.stdout, result.stdout
    assert "workers at" not in result.stdout  # no cluster was started
