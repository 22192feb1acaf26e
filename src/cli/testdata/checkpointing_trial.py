"""A trial program for the chaos test: trains for 8 "epochs", checkpoints after each,
resumes from its checkpoint, and logs every start (the epoch it resumed from) so the
test can tell whether it was ever run again from scratch after a checkpoint existed."""
import json
import os
import sys
import time

import greentune_client as gt

x = float(gt.params()["x"])
ckdir = gt.checkpoint_dir()
state = os.path.join(ckdir, "state.json")
epoch = 0
if os.path.exists(state):
    with open(state) as f:
        epoch = json.load(f)["epoch"]
with open(os.path.join(ckdir, "starts.log"), "a") as f:
    f.write(f"{epoch}\n")
while epoch < 8:
    time.sleep(0.08)
    epoch += 1
    gt.report(epoch, loss=(x - 0.3) ** 2 + 1.0 / epoch)
    with open(state + ".tmp", "w") as f:
        json.dump({"epoch": epoch}, f)
    os.replace(state + ".tmp", state)
    if gt.should_stop():
        sys.exit(0)
gt.final(loss=(x - 0.3) ** 2)
