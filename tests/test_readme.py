"""The README opens with the two Quickstart commands, and CI runs the second;
its grid-search example runs and prints its result."""

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _quickstart_commands():
    readme = (ROOT / "README.md").read_text()
    return re.findall(r"```bash\n(.+?)\n```", readme)[:2]


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one():
    install_and_run, install_and_test = _quickstart_commands()
    assert install_and_run.endswith("python -m skmlp")
    assert install_and_test.endswith("python -m pytest")
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert install_and_test in ci_lines


def test_main_job_runs_and_reports_accuracy():
    result = subprocess.run([sys.executable, "-m", "skmlp", "--epochs", "3"],
                            capture_output=True, text=True, check=True)
    assert "held-out accuracy:" in result.stdout
    assert "epoch   3" in result.stdout


def test_grid_search_snippet_prints_its_result_without_warnings():
    """The README's drop-in example prints the best parameters and their
    cross-validated accuracy, and no ConvergenceWarning (nor any other)."""
    code = re.findall(r"```python\n(.+?)\n```", (ROOT / "README.md").read_text(), re.DOTALL)[0]
    assert "GridSearchCV" in code
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Warning" not in result.stderr, result.stderr
    best, score = result.stdout.splitlines()
    assert best.startswith("{'mlpclassifier__hidden_layer_sizes': ("), best
    accuracy = float(score.removeprefix("cross-validated accuracy: "))
    assert 0.9 < accuracy <= 1.0, score
