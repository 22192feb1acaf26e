"""The trial program's side of greentune's trial protocol (standard library only).

greentune runs a trial program with these environment variables set:

    GREENTUNE_PARAMS          the trial's parameters as a JSON object
    GREENTUNE_REPORT_FILE     a file to append report lines to
    GREENTUNE_CHECKPOINT_DIR  where to save state; resume from it when it holds some
    GREENTUNE_TRIAL           the trial number

and reads the report file, one JSON object per line:

    {"step": 10, "metrics": {"val_loss": 0.31, "train_loss": 0.2}}
    {"final": {"val_loss": 0.27}}

Use:

    import greentune_client as gt

    lr = float(gt.params().get("lr", 0.01))
    for epoch in range(start, epochs):
        ...
        gt.report(epoch, val_loss=val_loss, train_loss=train_loss)
        save_checkpoint(gt.checkpoint_dir())
        if gt.should_stop():
            break            # checkpoint saved: exit now, greentune resumes it if needed
    gt.final(val_loss=best)

Without greentune (the variables absent) the same script still runs: params() is {},
report lines go to stdout and checkpoints to ./checkpoints.

To stop a trial (pruned, a rule fired, a budget spent) greentune sends SIGTERM and,
after the study's grace period, SIGKILL.  Importing this module installs a SIGTERM
handler that only sets a flag: the program must look at should_stop() (e.g. once per
step), save its checkpoint and exit.  A program that never looks is killed after the
grace period.  Import this module from the main thread (Python delivers signals there).
"""

import json
import math
import os
import signal
import sys

__all__ = ["params", "report", "final", "checkpoint_dir", "trial_number",
           "should_stop"]

_stop_requested = False


def _on_sigterm(signum, frame):  # noqa: ARG001 (signal handler signature)
    global _stop_requested
    _stop_requested = True


def _install_stop_handler():
    try:
        signal.signal(signal.SIGTERM, _on_sigterm)
    except ValueError:  # not the main thread: the default action (exit) stays
        pass


_install_stop_handler()


def params():
    """The trial's parameters: the JSON object in GREENTUNE_PARAMS, {} when absent."""
    text = os.environ.get("GREENTUNE_PARAMS", "")
    if not text.strip():
        return {}
    value = json.loads(text)
    if not isinstance(value, dict):
        raise ValueError("GREENTUNE_PARAMS is not a JSON object: " + text[:80])
    return value


def trial_number():
    """The trial's number (GREENTUNE_TRIAL), or None when not run by greentune."""
    text = os.environ.get("GREENTUNE_TRIAL", "")
    return int(text) if text.strip() else None


def checkpoint_dir():
    """The directory for checkpoints (GREENTUNE_CHECKPOINT_DIR, else ./checkpoints),
    created if missing."""
    path = os.environ.get("GREENTUNE_CHECKPOINT_DIR") or os.path.join(
        os.getcwd(), "checkpoints")
    os.makedirs(path, exist_ok=True)
    return path


def should_stop():
    """True once SIGTERM arrived: save a checkpoint and exit (greentune stops the trial)."""
    return _stop_requested


def _number(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        try:
            value = float(value)  # numpy scalars, Decimal, ...
        except (TypeError, ValueError):
            raise TypeError(f"metric {name!r} is not a number: {value!r}") from None
    return value if isinstance(value, int) else float(value)


def _metrics(metrics):
    return {str(name): _number(name, value) for name, value in metrics.items()}


def _write(record):
    # allow_nan (the default) writes NaN, Infinity and -Infinity, which greentune reads.
    line = json.dumps(record, allow_nan=True) + "\n"
    path = os.environ.get("GREENTUNE_REPORT_FILE")
    if not path:
        sys.stdout.write(line)
        sys.stdout.flush()
        return
    # One write() of the whole line on an O_APPEND descriptor: the reader never sees a
    # line interleaved with another writer's.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        data = line.encode("utf-8")
        while data:
            data = data[os.write(fd, data):]
    finally:
        os.close(fd)


def report(step, **metrics):
    """Appends {"step": step, "metrics": {...}} to the report file (stdout when absent).

    step is an integer >= 0 (epoch, iteration, boosting round); metrics are numbers,
    NaN and infinities included (a diverging run is worth reporting as such).
    """
    if isinstance(step, bool) or int(step) != step or step < 0:
        raise ValueError(f"step must be an integer >= 0, got {step!r}")
    _write({"step": int(step), "metrics": _metrics(metrics)})


def final(**metrics):
    """Appends {"final": {...}}: the trial's result, reported once at the end."""
    _write({"final": _metrics(metrics)})


if __name__ == "__main__":  # a smoke test: python3 greentune_client.py
    report(0, loss=0.5, nan=math.nan)
    final(loss=0.25)
