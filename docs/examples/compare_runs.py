"""Two runs that differ in one parameter, reopened and compared person by person.

A notebook-style script (each ``# %%`` starts a cell: VS Code, PyCharm and
Jupytext open it as a notebook; ``python docs/examples/compare_runs.py`` runs
it whole). It writes two run folders under ``runs/`` (or under the folder given
as its first argument) and takes about ten seconds. tests/test_report_cli.py
runs it.
"""

# %% Two runs: the same world (seed 1), mixer-goers who stick to faces they know or not
import sys
from pathlib import Path

import pandas as pd

import jinmyaku
from jinmyaku.studies.compare import paired, versus

pd.set_option("display.width", 120)
pd.set_option("display.max_columns", 20)

runs = Path(sys.argv[1] if len(sys.argv) > 1 else "runs")
for seek_known in (0.5, 0.1):
    res = jinmyaku.run("small", seed=1,
                       overrides=[f"processes.mixers.seek_known={seek_known}"])
    res.write(runs / f"example-seek-known-{seek_known}")

# %% Reopen them: jinmyaku.open checks the manifest's checksums and gives the Results
a = jinmyaku.open(runs / "example-seek-known-0.5")
b = jinmyaku.open(runs / "example-seek-known-0.1")
print(a.summary().pivot(index="measure", columns="strategy", values="mean").round(2))

# %% Within one run: each strategy against staying passive (different people)
print(versus(a)[["strategy", "mean", "difference", "lo", "hi", "ratio", "n"]].round(2))

# %% Between the runs: the same people, B − A, with paired intervals
comp = paired(a, b)
print(comp.changed)  # [('processes.mixers.seek_known', 0.5, 0.1)]
d = comp.differences
mixers = d[(d["strategy"] == "mixer") & d["measure"].isin(
    ["opportunities_per_year", "ties_alive", "ties_alive_mixer"])]
print(mixers[["measure", "a", "b", "difference", "lo", "hi", "unpaired_lo", "unpaired_hi",
              "pairs"]].round(3))
