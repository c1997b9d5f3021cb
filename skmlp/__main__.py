"""``python -m skmlp``: the classic digit-recognition network.

Trains a network with two hidden layers of 16 logistic units by mini-batch
stochastic gradient descent on the 8x8 handwritten digits that ship with
scikit-learn.

It prints, in this order: the network, the data, the loss at epochs spread
over the whole run on a log scale (1, 2, 5, 10, 20, 50, ... and always the
last epoch), each as soon as that epoch is done, then the training time and
the accuracy on the held-out quarter of the digits. On a terminal, a long run
also shows a progress indicator on standard error. Ctrl-C stops the run after
the current mini-batch, says after how many whole epochs, and exits with
status 130.

Only the public API is used: the run is a sequence of warm-started ``fit``
calls (``warm_start=True``), each training up to the next epoch to report.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier, __version__
from skmlp.exceptions import TrainingInterruptedWarning

HIDDEN = (16, 16)
#: Runs of at least this many epochs show the progress indicator (``auto``).
LONG_RUN = 200
#: The indicator is redrawn about this many times over a run.
PROGRESS_STEPS = 50


def report_epochs(n_epochs):
    """Epochs whose loss is printed: 1, 2, 5, 10, 20, 50, ... up to
    ``n_epochs``, and ``n_epochs`` itself.

    >>> report_epochs(3000)
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000]
    >>> report_epochs(1)
    [1]
    """
    epochs, decade = {n_epochs}, 1
    while decade <= n_epochs:
        epochs.update(m * decade for m in (1, 2, 5) if m * decade <= n_epochs)
        decade *= 10
    return sorted(epochs)


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text):
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {value}")
    return value


def _parser():
    description, outputs = __doc__.split("\n\n")[1:3]
    parser = argparse.ArgumentParser(
        prog="python -m skmlp", description=" ".join(description.split()),
        epilog=" ".join(outputs.split()),
    )
    parser.add_argument("--epochs", type=_positive_int, default=30,
                        help="epochs of SGD, at least 1 (default 30)")
    parser.add_argument("--seed", type=_seed, default=0,
                        help="seed of the data split, the initial weights and the "
                             "shuffling (default 0)")
    parser.add_argument("--progress", choices=("auto", "on", "off"), default="auto",
                        help="progress indicator on standard error: 'auto' shows it for "
                             f"runs of {LONG_RUN} epochs or more when standard error is a "
                             "terminal (default auto)")
    parser.add_argument("--version", action="version", version=f"skmlp {__version__}")
    return parser


class _Progress:
    """A one-line indicator on ``stream``, redrawn in place with ``\\r``."""

    def __init__(self, stream, n_epochs, enabled):
        self.stream, self.n_epochs, self.enabled = stream, n_epochs, enabled
        self.width = 0

    def draw(self, epoch, elapsed):
        if not self.enabled:
            return
        done = int(30 * epoch / self.n_epochs)
        text = (f"  [{'#' * done}{'.' * (30 - done)}] epoch {epoch}/{self.n_epochs}"
                f"  {elapsed:.1f} s")
        self.width = max(self.width, len(text))
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()

    def clear(self):
        if self.enabled and self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()


def _stops(n_epochs, reports, with_progress):
    """The epochs at which training pauses: the reports, and progress ticks."""
    stops = set(reports)
    if with_progress:
        stops.update(range(0, n_epochs + 1, max(1, n_epochs // PROGRESS_STEPS)))
    stops.discard(0)
    return sorted(stops)


class _Stopped(Exception):
    """Ctrl-C ended the run; ``epochs`` whole epochs were trained."""

    def __init__(self, epochs):
        super().__init__(epochs)
        self.epochs = epochs


def _epochs_done(clf):
    """Whole epochs trained so far (the warm-started fits add up)."""
    return len(getattr(clf, "loss_curve_", ()))


def _fit_chunk(clf, X, y):
    """One warm-started ``fit``; :class:`_Stopped` if Ctrl-C interrupted it.

    A first Ctrl-C ends ``fit`` after its current mini-batch with a
    :class:`~skmlp.exceptions.TrainingInterruptedWarning`; here it ends the
    whole run. Other warnings are shown as usual, except the
    ``ConvergenceWarning``: a fixed number of epochs is the point here.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        clf.fit(X, y)
    interrupted = False
    for warning in caught:
        if issubclass(warning.category, TrainingInterruptedWarning):
            interrupted = True
        elif not issubclass(warning.category, ConvergenceWarning):
            warnings.showwarning(warning.message, warning.category, warning.filename,
                                 warning.lineno)
    if interrupted:
        raise _Stopped(_epochs_done(clf))


def _train(clf, X, y, n_epochs, progress):
    """Train ``clf`` for ``n_epochs``, printing the loss at the report epochs.

    Raises :class:`_Stopped` on Ctrl-C, with the whole epochs done so far.
    """
    reports = report_epochs(n_epochs)
    width = max(3, len(str(n_epochs)))
    started, epoch = time.perf_counter(), 0
    try:
        for stop in _stops(n_epochs, reports, progress.enabled):
            clf.set_params(max_iter=stop - epoch)
            _fit_chunk(clf, X, y)
            epoch = stop
            elapsed = time.perf_counter() - started
            if epoch in reports:
                progress.clear()
                print(f"  epoch {epoch:{width}d}  loss {clf.loss_:.4f}  "
                      f"({elapsed:.1f} s)", flush=True)
            progress.draw(epoch, elapsed)
    except KeyboardInterrupt:  # Ctrl-C between two fits, or a second one
        raise _Stopped(_epochs_done(clf)) from None
    finally:
        progress.clear()
    return time.perf_counter() - started


def main(argv=None):
    """Train the classic 64-16-16-10 network, printing as it goes.

    Ctrl-C stops the run: it prints after how many whole epochs and exits
    with status 130 (``SystemExit``), as a shell reports a program ended by
    SIGINT.
    """
    args = _parser().parse_args(argv)
    show_progress = args.progress == "on" or (
        args.progress == "auto" and args.epochs >= LONG_RUN and sys.stderr.isatty())
    try:
        X, y = load_digits(return_X_y=True)
        X_train, X_test, y_train, y_test = train_test_split(
            X / 16.0, y, test_size=0.25, stratify=y, random_state=args.seed
        )
        sizes = [X.shape[1], *HIDDEN, len(np.unique(y))]
        n_params = sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
        print(f"network: {'-'.join(map(str, sizes))} logistic units, trained by "
              f"backpropagation (skmlp {__version__})", flush=True)
        print(f"data: {len(X_train)} training / {len(X_test)} held-out 8x8 digits; "
              f"{n_params} weights and biases; {args.epochs} epochs of SGD "
              "(batches of 10, learning rate 0.5, no momentum)", flush=True)
        # One RandomState for the whole run: each warm-started fit draws its
        # shuffling from where the previous one stopped.
        clf = MLPClassifier(
            hidden_layer_sizes=HIDDEN, activation="logistic", solver="sgd",
            learning_rate_init=0.5, momentum=0.0, batch_size=10, tol=0.0,
            n_iter_no_change=args.epochs, warm_start=True,
            random_state=np.random.RandomState(args.seed),
        )
        progress = _Progress(sys.stderr, args.epochs, show_progress)
        elapsed = _train(clf, X_train, y_train, args.epochs, progress)
    except (_Stopped, KeyboardInterrupt) as stopped:
        done = getattr(stopped, "epochs", 0)
        print(f"stopped by Ctrl-C after {done} of {args.epochs} epochs", flush=True)
        raise SystemExit(130) from None
    print(f"training time: {elapsed:.2f} s for {args.epochs} epochs", flush=True)
    print(f"held-out accuracy: {clf.score(X_test, y_test):.4f}", flush=True)
    return clf


if __name__ == "__main__":
    main()
