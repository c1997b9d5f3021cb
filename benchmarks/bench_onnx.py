"""Prediction latency: onnxruntime running the exported model against skmlp.

Only the public API is used::

    from skmlp import MLPClassifier
    import skmlp.onnx                      # registers the skl2onnx converter
    from skl2onnx import to_onnx

For two float32 networks, the time of one call of ``predict_proba`` on skmlp's
model and of ``InferenceSession.run`` on the converted one (``zipmap=False``,
so both return an ``(n_samples, n_classes)`` array), for a batch of 1 row and
of 10,000 rows:

* ``classic``: the 64-16-16-10 logistic network on scikit-learn's 8x8 digits;
* ``sklearn-defaults``: one hidden layer of 100 ReLU units on 784 features
  and 10 classes (the shape of MNIST), on synthetic data.

Latency depends on the shapes, not on how well the network is trained, so
each is fitted for a few epochs only. The two are timed in alternating rounds
(skmlp, onnxruntime, skmlp, ...); each round times ``--calls`` calls (1 row)
or a tenth of them (10,000 rows) and keeps the mean per call; the report
gives the median over the rounds. Both run with ``--threads`` threads (BLAS
through threadpoolctl, onnxruntime through ``intra_op_num_threads``; 1 by
default, which is steadier on a shared machine).

Usage (from the repository root)::

    python benchmarks/bench_onnx.py             # about a minute
    python benchmarks/bench_onnx.py --quick     # smoke test, seconds
    python benchmarks/bench_onnx.py --threads 2 --rounds 9

A markdown table goes to stdout, progress to stderr, and every number to
``--output`` (default ``benchmarks/results/bench_onnx.json``, git-ignored).
"""

import argparse
import json
import os
import platform
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

try:
    import onnxruntime as ort
    import skl2onnx
    from skl2onnx import to_onnx

    import skmlp.onnx  # noqa: F401  (registers the converter)
except ImportError as exc:  # pragma: no cover - depends on the environment
    sys.exit(f"bench_onnx.py needs the onnx extra (pip install '.[onnx]' from a checkout): {exc}")

import sklearn
import threadpoolctl
from sklearn.datasets import load_digits, make_classification
from sklearn.exceptions import ConvergenceWarning

import skmlp
from skmlp import MLPClassifier

REPO_ROOT = Path(__file__).resolve().parent.parent
RESULTS_DIR = REPO_ROOT / "benchmarks" / "results"
BATCHES = (1, 10_000)


def log(message):
    print(message, file=sys.stderr, flush=True)


def machine_info(threads):
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "platform": platform.platform(), "cpu": cpu, "logical_cpus": os.cpu_count(),
        "python": platform.python_version(), "threads": threads,
        "load_average": ([round(v, 2) for v in os.getloadavg()] if hasattr(os, "getloadavg")
                         else None),
        "versions": {"skmlp": skmlp.__version__, "numpy": np.__version__,
                     "scikit-learn": sklearn.__version__, "skl2onnx": skl2onnx.__version__,
                     "onnxruntime": ort.__version__},
    }


def networks(quick):
    """name -> (fitted float32 model, float32 rows to predict)."""
    X_digits, y_digits = load_digits(return_X_y=True)
    X_digits = (X_digits / 16).astype(np.float32)
    X_wide, y_wide = make_classification(n_samples=2_000 if quick else 10_000, n_features=784,
                                         n_informative=50, n_classes=10, random_state=0)
    X_wide = X_wide.astype(np.float32)
    specs = {
        "classic": (dict(hidden_layer_sizes=(16, 16), activation="logistic", solver="sgd",
                         batch_size=10, learning_rate_init=0.5, momentum=0.0), X_digits,
                    y_digits),
        "sklearn-defaults": (dict(hidden_layer_sizes=(100,)), X_wide, y_wide),
    }
    result = {}
    for name, (params, X, y) in specs.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model = MLPClassifier(max_iter=2 if quick else 5, random_state=0, **params).fit(X, y)
        rows = np.random.default_rng(0).choice(len(X), size=max(BATCHES), replace=True)
        result[name] = (model, X[rows])
    return result


def session_for(model, X, threads):
    onx = to_onnx(model, X[:1], options={"zipmap": False})
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(onx.SerializeToString(), options,
                                   providers=["CPUExecutionProvider"])
    input_name = session.get_inputs()[0].name
    return lambda batch: session.run(["probabilities"], {input_name: batch})[0]


def mean_call_time(predict, batch, calls):
    start = time.perf_counter()
    for _ in range(calls):
        predict(batch)
    return (time.perf_counter() - start) / calls


def compare(model, X, threads, rounds, calls):
    """Median seconds per call of skmlp and onnxruntime, per batch size."""
    predictors = {"skmlp": model.predict_proba, "onnxruntime": session_for(model, X, threads)}
    # Same answers before timing anything (float32: within 1e-5).
    np.testing.assert_allclose(predictors["onnxruntime"](X[:1000]),
                               predictors["skmlp"](X[:1000]), atol=1e-5)
    result = {}
    for n_rows in BATCHES:
        batch = np.ascontiguousarray(X[:n_rows])
        n_calls = calls if n_rows == 1 else max(1, calls // 100)
        times = {name: [] for name in predictors}
        for predict in predictors.values():  # warm-up
            mean_call_time(predict, batch, 3)
        for _ in range(rounds):
            for name, predict in predictors.items():
                times[name].append(mean_call_time(predict, batch, n_calls))
        result[n_rows] = {name: {"median_s": statistics.median(t), "rounds_s": t}
                          for name, t in times.items()}
    return result


def print_report(report):
    info = report["machine"]
    print(f"Machine: {info['cpu']}, {info['logical_cpus']} logical CPUs, "
          f"{info['threads']} thread(s) each, load average {info['load_average']}; "
          + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + "\n")
    print("| network | rows | skmlp predict_proba | onnxruntime | skmlp / onnxruntime |")
    print("|---|---|---|---|---|")
    for name, by_rows in report["networks"].items():
        for n_rows, res in by_rows.items():
            ours, theirs = res["skmlp"]["median_s"], res["onnxruntime"]["median_s"]
            print(f"| {name} | {int(n_rows):,} | {_duration(ours)} | {_duration(theirs)} "
                  f"| {ours / theirs:.2f} |")


def _duration(seconds):
    return f"{seconds * 1e6:.1f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS and onnxruntime threads (default 1)")
    parser.add_argument("--rounds", type=int, default=None, help="alternating rounds (7)")
    parser.add_argument("--calls", type=int, default=None,
                        help="calls per round for 1 row; a hundredth for 10,000 rows (2000)")
    parser.add_argument("--quick", action="store_true", help="smoke test; numbers mean nothing")
    parser.add_argument("--output", type=Path, default=None, help="JSON file for every number")
    opts = parser.parse_args(argv)
    opts.rounds = opts.rounds or (2 if opts.quick else 7)
    opts.calls = opts.calls or (100 if opts.quick else 2000)
    opts.output = opts.output or RESULTS_DIR / ("bench_onnx_quick.json" if opts.quick
                                                else "bench_onnx.json")
    return opts


def main(argv=None):
    opts = parse_args(argv)
    report = {"machine": machine_info(opts.threads), "networks": {}}
    with threadpoolctl.threadpool_limits(limits=opts.threads, user_api="blas"):
        for name, (model, X) in networks(opts.quick).items():
            log(f"timing {name} ...")
            report["networks"][name] = compare(model, X, opts.threads, opts.rounds, opts.calls)
    opts.output.parent.mkdir(parents=True, exist_ok=True)
    opts.output.write_text(json.dumps(report, indent=2))
    print_report(report)
    log(f"every number in {opts.output}")


if __name__ == "__main__":
    main()
