"""Why training stops early: divergence and Ctrl-C.

Part of the training layer (NumPy and the standard library only): the
exceptions :func:`skmlp._training.run_epochs` and
:func:`skmlp._lbfgs.fit_lbfgs` raise, and the guard that defers Ctrl-C to the
end of a mini-batch or iteration.
"""

import signal
import threading
from contextlib import contextmanager


class TrainingDiverged(ArithmeticError):
    """The loss or the parameters became non-finite.

    Raised after the trainer was rolled back to its last finite state.

    Attributes
    ----------
    reached_finite_loss : bool
        Whether the call had completed an epoch (or L-BFGS iteration) with a
        finite loss before it diverged; if not, there is no trained state to
        keep and the estimator raises.
    restored_epoch : int or None
        The number of completed epochs of the state rolled back to.
    epoch : int or None
        The epoch (counted from 1) in which training diverged, when known.
    """

    def __init__(self, message, *, reached_finite_loss=False, restored_epoch=None,
                 epoch=None):
        super().__init__(message)
        self.reached_finite_loss = reached_finite_loss
        self.restored_epoch = restored_epoch
        self.epoch = epoch


class TrainingInterrupted(Exception):
    """Ctrl-C (SIGINT) arrived; training stopped after a whole mini-batch."""


class InterruptGuard:
    """Defers Ctrl-C until the current mini-batch is done.

    Inside :meth:`watch` (in the main thread), a first SIGINT only sets
    :attr:`requested`; the training loop checks it between mini-batches. A
    second SIGINT is handed to the handler that was in place before, which
    for Python's default handler raises ``KeyboardInterrupt`` at once.

    The process's disposition is respected: when SIGINT is ignored
    (``SIG_IGN``, as in a background job), set to the operating system's
    default (``SIG_DFL``) or handled outside Python, nothing is installed
    and nothing is deferred. The previous handler is always restored.
    """

    def __init__(self):
        self.requested = False

    @contextmanager
    def watch(self):
        """Install the deferring SIGINT handler for the duration of the block."""
        previous = (signal.getsignal(signal.SIGINT)
                    if threading.current_thread() is threading.main_thread() else None)
        if not callable(previous):  # SIG_IGN, SIG_DFL, None, or not the main thread
            yield self
            return

        def handler(signum, frame):
            if self.requested:  # the second Ctrl-C: what it did before
                return previous(signum, frame)
            self.requested = True

        signal.signal(signal.SIGINT, handler)
        try:
            yield self
        finally:
            signal.signal(signal.SIGINT, previous)

    def check(self):
        """Raise :class:`TrainingInterrupted` if Ctrl-C was pressed."""
        if self.requested:
            raise TrainingInterrupted
