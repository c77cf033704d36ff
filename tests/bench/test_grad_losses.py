"""bench/losses.py (what `python -m bench --grad` differentiates) matches the kernels."""

from bench.grad import LOSSES_FILE, loss_source


def test_losses_file_is_current():
    assert LOSSES_FILE.read_text() == loss_source(), (
        "bench/losses.py is stale: run python -m bench.grad --write-losses")
