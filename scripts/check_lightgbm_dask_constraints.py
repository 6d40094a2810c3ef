"""Whether LightGBM's distributed training (lightgbm.dask) accepts interaction constraints yet.

``jobmatch train --scheduler`` waits on it (README, "Training on Dask"; LightGBM issue #5680). Fits a small
regressor on a 2-worker LocalCluster with each distributed tree learner, without and with a constraint, and
prints what happened. Needs the ``dask`` extra.

    python scripts/check_lightgbm_dask_constraints.py
"""

from __future__ import annotations

import dask.array as da
import lightgbm as lgb
import numpy as np
from distributed import Client, LocalCluster

CONSTRAINT = [[0, 1, 2, 3, 4], [5]]  # the last column alone, as the rankers keep their activity features


def fit(rows: np.ndarray, target: np.ndarray, learner: str, constraint: list[list[int]] | None) -> str:
    """``ok`` or the error the fit ended in, on a cluster of its own (after a failed fit, the workers' next one
    is not to be trusted)."""
    extra = {"interaction_constraints": constraint} if constraint else {}
    model = lgb.DaskLGBMRegressor(n_estimators=20, tree_learner=learner, verbose=-1, **extra)
    with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster):
        try:
            model.fit(da.from_array(rows, chunks=(1000, 6)), da.from_array(target, chunks=(1000,)))
        except Exception as exc:  # LightGBMError from the workers, re-raised by Dask
            return f"fails: {type(exc).__name__}: {str(exc)[:100]}"
    return "ok"


def main() -> None:
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(4000, 6))
    target = rows[:, 0] + rows[:, 1] * rows[:, 2] + rng.normal(size=4000)
    print(f"lightgbm {lgb.__version__}")
    for learner in ("data", "voting", "feature"):
        for constraint in (None, CONSTRAINT):
            outcome = fit(rows, target, learner, constraint)
            print(f"  tree_learner={learner!r:<10} {'with' if constraint else 'without'} constraint: {outcome}")


if __name__ == "__main__":
    main()
