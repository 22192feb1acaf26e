"""Tests of greentune_client: python3 -m unittest discover clients/python"""

import contextlib
import io
import json
import math
import os
import signal
import sys
import tempfile
import time
import unittest
from unittest import mock

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import greentune_client as gt  # noqa: E402 (after the path set-up)

_VARS = ("GREENTUNE_PARAMS", "GREENTUNE_REPORT_FILE", "GREENTUNE_CHECKPOINT_DIR",
         "GREENTUNE_TRIAL")


def _lines(path):
    with open(path, encoding="utf-8") as f:
        return f.read().splitlines()


class ClientTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.addCleanup(self.tmp.cleanup)
        self.report_file = os.path.join(self.tmp.name, "report.jsonl")
        env = {k: v for k, v in os.environ.items() if k not in _VARS}
        patcher = mock.patch.dict(os.environ, env, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_report_appends_one_json_line_per_call(self):
        os.environ["GREENTUNE_REPORT_FILE"] = self.report_file
        gt.report(0, val_loss=0.5, train_loss=0.25)
        gt.report(1, val_loss=0.4, n=3)
        self.assertEqual(
            [json.loads(line) for line in _lines(self.report_file)],
            [{"step": 0, "metrics": {"val_loss": 0.5, "train_loss": 0.25}},
             {"step": 1, "metrics": {"val_loss": 0.4, "n": 3}}])

    def test_nan_and_infinity_are_written_as_greentune_reads_them(self):
        os.environ["GREENTUNE_REPORT_FILE"] = self.report_file
        gt.report(2, loss=math.nan, grad=math.inf, low=-math.inf)
        line = _lines(self.report_file)[0]
        self.assertEqual(
            line,
            '{"step": 2, "metrics": {"loss": NaN, "grad": Infinity, "low": -Infinity}}')

    def test_final(self):
        os.environ["GREENTUNE_REPORT_FILE"] = self.report_file
        gt.final(val_loss=0.27)
        self.assertEqual(json.loads(_lines(self.report_file)[0]),
                         {"final": {"val_loss": 0.27}})

    def test_without_report_file_lines_go_to_stdout(self):
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            gt.report(3, loss=0.125)
            gt.final(loss=0.1)
        self.assertEqual(out.getvalue(),
                         '{"step": 3, "metrics": {"loss": 0.125}}\n'
                         '{"final": {"loss": 0.1}}\n')

    def test_bad_step_and_non_numeric_metrics_are_refused(self):
        os.environ["GREENTUNE_REPORT_FILE"] = self.report_file
        for step in (-1, 1.5, True, "3"):
            with self.assertRaises((ValueError, TypeError)):
                gt.report(step, loss=0.1)
        with self.assertRaisesRegex(TypeError, "metric 'acc' is not a number"):
            gt.report(1, acc="high")
        self.assertFalse(os.path.exists(self.report_file))

    def test_params(self):
        self.assertEqual(gt.params(), {})
        os.environ["GREENTUNE_PARAMS"] = '{"lr": 0.01, "batch_size": 32, "opt": "sgd"}'
        self.assertEqual(gt.params(), {"lr": 0.01, "batch_size": 32, "opt": "sgd"})
        os.environ["GREENTUNE_PARAMS"] = "[1, 2]"
        with self.assertRaisesRegex(ValueError, "not a JSON object"):
            gt.params()

    def test_trial_number(self):
        self.assertIsNone(gt.trial_number())
        os.environ["GREENTUNE_TRIAL"] = "12"
        self.assertEqual(gt.trial_number(), 12)

    def test_checkpoint_dir_is_created(self):
        path = os.path.join(self.tmp.name, "ckpt", "trial-3")
        os.environ["GREENTUNE_CHECKPOINT_DIR"] = path
        self.assertEqual(gt.checkpoint_dir(), path)
        self.assertTrue(os.path.isdir(path))

    def test_checkpoint_dir_falls_back_to_local_checkpoints(self):
        cwd = os.getcwd()
        os.chdir(self.tmp.name)
        self.addCleanup(os.chdir, cwd)
        path = gt.checkpoint_dir()
        self.assertEqual(os.path.realpath(path),
                         os.path.realpath(os.path.join(self.tmp.name, "checkpoints")))
        self.assertTrue(os.path.isdir(path))


class StopTest(unittest.TestCase):
    def test_should_stop_after_sigterm(self):
        self.addCleanup(setattr, gt, "_stop_requested", False)
        self.assertFalse(gt.should_stop())
        os.kill(os.getpid(), signal.SIGTERM)
        deadline = time.monotonic() + 5
        while not gt.should_stop() and time.monotonic() < deadline:
            time.sleep(0.01)  # the handler runs between bytecodes of the main thread
        self.assertTrue(gt.should_stop())


if __name__ == "__main__":
    unittest.main()
