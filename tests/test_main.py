"""``python -m skmlp``: output as it happens, argument checks, ``--version``.

The main job is run as a subprocess, as a user runs it. Long runs are never
waited for: the test reads what it needs and ends the process it started.
"""

import os
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import skmlp
from skmlp.__main__ import main, report_epochs

ROOT = Path(__file__).resolve().parent.parent
# Generous, for a loaded machine: the header needs only the imports and the
# data split, a 3000-epoch run takes half a minute or more.
FIRST_LINE_TIMEOUT = 20  # seconds
# Ctrl-C ends the current mini-batch of 10 digits: well under a second.
STOP_TIMEOUT = 10  # seconds


def _skmlp(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "skmlp", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, **kwargs)


def _readline_within(stream, timeout):
    """The next line of ``stream``, or None if none came within ``timeout`` s."""
    lines = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return lines[0] if lines else None


def test_header_is_printed_before_training_ends():
    process = subprocess.Popen([sys.executable, "-m", "skmlp", "--epochs", "3000",
                                "--progress", "off"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        first = _readline_within(process.stdout, FIRST_LINE_TIMEOUT)
        second = _readline_within(process.stdout, FIRST_LINE_TIMEOUT)
        epoch_1 = _readline_within(process.stdout, FIRST_LINE_TIMEOUT)
        still_running = process.poll() is None
    finally:
        process.kill()
        process.wait()
    assert first is not None, f"no line within {FIRST_LINE_TIMEOUT} s"
    assert first.startswith("network: 64-16-16-10"), first
    assert second.startswith("data: "), second
    # The loss of epoch 1 arrives as soon as epoch 1 is done, long before epoch 3000.
    assert re.match(r"\s+epoch\s+1\s+loss \d", epoch_1), epoch_1
    assert still_running, "the run ended before its header was read: not a long run"


def _restore_sigint():
    # A job started without job control inherits SIGINT ignored, and Python
    # then keeps ignoring it; a terminal's foreground job has the default.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.skipif(sys.platform == "win32", reason="process groups and SIGINT are POSIX")
def test_one_ctrl_c_stops_the_run_with_status_130():
    """SIGINT to the process group, as a terminal's Ctrl-C: the run ends within
    seconds, says after how many epochs, exits 130, and shows no traceback."""
    process = subprocess.Popen([sys.executable, "-m", "skmlp", "--epochs", "3000",
                                "--progress", "off"], cwd=ROOT, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=_restore_sigint)
    try:
        lines = [_readline_within(process.stdout, FIRST_LINE_TIMEOUT) for _ in range(3)]
        assert lines[-1] is not None and "epoch" in lines[-1], lines
        assert process.poll() is None, "the run ended before it could be interrupted"
        os.killpg(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=STOP_TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 130, (process.returncode, out, err)
    assert "Traceback" not in out + err, err
    match = re.search(r"stopped by Ctrl-C after (\d+) of 3000 epochs", out)
    assert match, out
    assert 1 <= int(match.group(1)) < 3000
    # No line claims the whole run: the training-time line is not printed.
    assert "training time" not in out and "for 3000 epochs" not in out, out


def test_report_epochs_are_log_spread_and_end_with_the_last():
    assert report_epochs(3000) == [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 3000]
    assert report_epochs(37) == [1, 2, 5, 10, 20, 37]
    assert report_epochs(50) == [1, 2, 5, 10, 20, 50]
    assert report_epochs(1) == [1]


def test_output_in_the_order_of_help(capsys):
    main(["--epochs", "37", "--progress", "off"])
    lines = capsys.readouterr().out.splitlines()
    epochs = [int(m.group(1)) for m in map(re.compile(r"\s+epoch\s+(\d+)\s+loss").match, lines)
              if m]
    assert epochs == report_epochs(37)
    labels = [line.split(":")[0].strip().split()[0] for line in lines]
    order = list(dict.fromkeys(labels))
    assert order == ["network", "data", "epoch", "training", "held-out"], order
    help_text = _skmlp("--help").stdout
    epilog = " ".join(help_text.split("\n\n")[-1].split())
    positions = [epilog.index(word) for word in
                 ("the network", "the data", "the loss", "the training time", "the accuracy")]
    assert positions == sorted(positions), epilog


def test_loss_lines_match_a_single_fit_loss_curve(capsys):
    """The warm-started chunks report the loss the model had at that epoch."""
    clf = main(["--epochs", "12", "--progress", "off"])
    out = capsys.readouterr().out
    reported = [float(x) for x in re.findall(r"loss (\d+\.\d+)", out)]
    assert len(reported) == len(report_epochs(12))
    curve = clf.loss_curve_
    assert len(curve) == 12
    assert reported == [round(curve[e - 1], 4) for e in report_epochs(12)]


def test_progress_indicator(capsys):
    main(["--epochs", "40", "--progress", "on"])
    captured = capsys.readouterr()
    assert "\r" in captured.err
    assert "epoch 40/40" in captured.err
    assert "epoch 20/40" in captured.err
    assert "\r" not in captured.out
    main(["--epochs", "3", "--progress", "off"])
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("args, message", [
    (["--epochs", "0"], "must be at least 1"),
    (["--epochs", "-3"], "must be at least 1"),
    (["--epochs", "ten"], "expected a whole number"),
    (["--seed", "-1"], "between 0 and"),
    (["--progress", "sometimes"], "invalid choice"),
    (["--unknown"], "unrecognized arguments"),
])
def test_bad_arguments_exit_2_with_usage(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: python -m skmlp"), err
    assert message in err


def test_bad_argument_from_the_command_line_has_no_traceback():
    result = _skmlp("--epochs", "-3")
    assert result.returncode == 2
    assert result.stderr.startswith("usage: python -m skmlp"), result.stderr
    assert "must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_version():
    result = _skmlp("--version")
    assert result.returncode == 0
    assert result.stdout.strip() == f"skmlp {skmlp.__version__}"
