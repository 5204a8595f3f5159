"""The systems the harness measures: where each runs, how, and the sizes it is given."""

from __future__ import annotations

import attrs

#: Sizes cut to keep a full run near 30 minutes on 2 shared cores; each is said in the
#: table. Keyed by system, then (mode, shape). A size that times out is cut again (/5).
BUDGET = "cut to keep the whole run near 30 min: {full_s}"


@attrs.frozen(kw_only=True)
class System:
    key: str
    label: str
    kind: str  # "worker" (a script run by the venv's python) or "cli" (f0 run)
    venv: str | None = None  # None: the harness's own interpreter (the project's venv)
    script: str = ""
    variant: str = ""
    cli_args: tuple[str, ...] = ()
    caps: dict[tuple[str, str], tuple[int, str]] = attrs.field(factory=dict)
    group: str = "peer"


def _caps(**by_shape: tuple[int, str]) -> dict[tuple[str, str], tuple[int, str]]:
    return {("noop", shape): cap for shape, cap in by_shape.items()}


SYSTEMS: dict[str, System] = {
    s.key: s
    for s in (
        System(
            key="loop",
            label="floor: plain loop",
            kind="worker",
            script="w_floors.py",
            variant="loop",
            group="floor",
        ),
        System(
            key="tpe",
            label="floor: graphlib + TPE(2)",
            kind="worker",
            script="w_floors.py",
            variant="tpe",
            group="floor",
        ),
        System(
            key="f0-cli",
            label="f0 CLI, --store none",
            kind="cli",
            cli_args=("--store", "none"),
            group="f0",
        ),
        System(key="f0-cli-store", label="f0 CLI, store on", kind="cli", group="f0"),
        System(
            key="f0-api",
            label="f0 in-process, threads",
            kind="worker",
            script="w_f0api.py",
            variant="threads",
            group="f0",
        ),
        System(
            key="f0-api-proc",
            label="f0 in-process, processes",
            kind="worker",
            script="w_f0api.py",
            variant="processes",
            caps=_caps(
                independent=(
                    2000,
                    BUDGET.format(
                        full_s="a trial of `f0 run --processes` at full size took 165 s, before the loader work of issue 9"
                    ),
                )
            ),
            group="f0",
        ),
        System(
            key="dask-sync",
            label="Dask sync",
            kind="worker",
            venv="dask",
            script="w_dask.py",
            variant="sync",
        ),
        System(
            key="dask-threads",
            label="Dask threads(2)",
            kind="worker",
            venv="dask",
            script="w_dask.py",
            variant="threads",
        ),
        System(
            key="dask-cluster",
            label="Dask LocalCluster(2x1)",
            kind="worker",
            venv="dask",
            script="w_dask.py",
            variant="cluster",
            caps=_caps(
                independent=(
                    2000,
                    BUDGET.format(full_s="a trial at full size had not finished after 2.5 min"),
                )
            ),
        ),
        System(
            key="prefect",
            label="Prefect 3, threads(2)",
            kind="worker",
            venv="prefect",
            script="w_prefect.py",
            caps=_caps(
                independent=(
                    1000,
                    BUDGET.format(
                        full_s="at ~20 ms/step (trial) the full size would take ~4 min a run"
                    ),
                )
            ),
        ),
        System(
            key="dagster",
            label="Dagster execute_in_process",
            kind="worker",
            venv="dagster",
            script="w_dagster.py",
            caps=_caps(
                independent=(
                    1000,
                    BUDGET.format(
                        full_s="at ~20 ms/step (trial) the full size would take ~4 min a run"
                    ),
                )
            ),
        ),
        System(
            key="luigi",
            label="Luigi local, 1 worker",
            kind="worker",
            venv="luigi",
            script="w_luigi.py",
            caps=_caps(
                independent=(
                    2000,
                    BUDGET.format(
                        full_s="Luigi grows faster than linearly here (trial: fan 1→1,000→1 9 s, 1,000-step grid 44 s)"
                    ),
                )
            ),
        ),
        System(
            key="doit",
            label="doit -n 2 -P thread",
            kind="worker",
            venv="doit",
            script="w_doit.py",
        ),
    )
}

#: Console scripts whose ``--help`` start-up is timed: (label, venv or None, argv).
HELP_COMMANDS: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
    ("f0 --help", None, ("f0", "--help")),
    ("prefect --help", "prefect", ("prefect", "--help")),
    ("dagster --help", "dagster", ("dagster", "--help")),
    ("luigi --help", "luigi", ("luigi", "--help")),
    ("doit --help", "doit", ("doit", "--help")),
)
