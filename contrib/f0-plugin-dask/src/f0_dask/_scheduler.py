"""The ``dask`` scheduler: options checked and the cluster reached once, one :class:`DaskRun` per run."""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from f0 import UsageError

from f0_dask._run import DaskRun

if TYPE_CHECKING:
    from distributed import Client, LocalCluster
    from f0 import SchedulerOptions, Session

__all__ = ["DaskScheduler", "connect"]


def _close(client: Client, cluster: LocalCluster | None) -> None:
    client.close()
    if cluster is not None:
        cluster.close()


def connect(address: str | None, workers: int) -> tuple[Client, LocalCluster | None]:
    """A client of the cluster at *address*, or of a new LocalCluster of *workers* processes.

    The LocalCluster listens on 127.0.0.1 only, has one thread per worker
    process and no dashboard. An unreachable *address* raises
    :class:`f0.UsageError` naming it (the wait is Dask's connect timeout,
    ``DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT``).
    """
    from distributed import Client, LocalCluster

    if address is None:
        cluster = LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
        return Client(cluster, set_as_default=False), cluster
    from distributed.comm.addressing import get_address_host_port, normalize_address

    try:
        # Checked before a Client exists: a half-built one complains again at exit.
        get_address_host_port(normalize_address(address))
    except (ValueError, TypeError) as exc:
        msg = f"{address!r} is not a Dask scheduler address like tcp://HOST:PORT: {exc}"
        raise UsageError(msg, where="--dask-address") from None
    try:
        client = Client(address, set_as_default=False)
    except OSError as exc:  # refused, or nothing answered within the connect timeout
        msg = f"cannot reach the Dask scheduler at {address!r}: {exc}"
        raise UsageError(msg, where="--dask-address") from None
    return client, None


class DaskScheduler:
    """Runs each step as a Dask task; applies deltas here, in completion order.

    ``options.extra``: ``dask_address`` (a running scheduler; default a
    LocalCluster of ``options.workers`` processes, or one per CPU) and
    ``dask_shared`` (workers see the recipe folder at its path, so it is not
    shipped). ``options.workers`` caps the steps in flight; without it the
    cap is the cluster's worker thread count, so steps start in the same
    order as on the local scheduler's pool.
    """

    def __init__(self, options: SchedulerOptions) -> None:
        if options.pool != "thread":
            msg = "--processes is for the local scheduler; Dask workers are processes already"
            raise UsageError(msg, where="--processes")
        address = options.extra.get("dask_address")
        if address is not None and (not isinstance(address, str) or not address.strip()):
            raise UsageError(
                "give a scheduler address like tcp://HOST:PORT", where="--dask-address"
            )
        workers = options.workers if options.workers is not None else (os.cpu_count() or 1)
        if workers < 1:
            msg = f"workers must be at least 1, not {workers}"
            raise UsageError(msg, where="--workers")
        self.options = options
        self.address: str | None = address.strip() if address else None
        # Reached now, not in run(): an unreachable cluster fails before the
        # run is recorded as started.
        self.client, self.cluster = connect(self.address, workers)
        self._finalizer = weakref.finalize(self, _close, self.client, self.cluster)
        self.limit: int | None = options.workers
        self.ship = self.address is not None and not options.extra.get("dask_shared", False)

    def run(self, session: Session) -> None:
        """Run every step of *session* on the cluster; return when each has been reported."""
        try:
            with tempfile.TemporaryDirectory(prefix="f0-dask-") as tmp:
                shipped = self._ship(session, Path(tmp)) if self.ship else None
                try:
                    DaskRun(
                        session,
                        self.client,
                        continue_on_error=self.options.continue_on_error,
                        limit=self.limit,
                        shipped=shipped,
                    ).run()
                finally:
                    if shipped is not None:
                        self._unship(shipped)
        finally:
            self._finalizer()

    def _ship(self, session: Session, tmp: Path) -> str:
        """Send the recipe folder to every worker (and to workers that join later).

        What ``Client.upload_file(path, load=False)`` does, with the plugin
        named after the archive: runs of the same folder replace one plugin
        instead of piling up copies on the scheduler, and it is removed
        after the run (workers keep the file).
        """
        from distributed.diagnostics.plugin import UploadFile

        from f0_dask._ship import pack_folder

        archive = pack_folder(session.recipe.base_dir, tmp)
        self.client.register_plugin(UploadFile(str(archive), load=False), name=archive.name)
        return archive.name

    def _unship(self, name: str) -> None:
        with contextlib.suppress(Exception):  # cleanup only: the run's result stands
            self.client.unregister_worker_plugin(name)

    def __repr__(self) -> str:
        where: Any = self.address or "LocalCluster"
        return f"DaskScheduler({where})"
