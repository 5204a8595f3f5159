"""``src.core.logger.get_logger`` on structlog, honouring ``DEBUG=1``."""

from __future__ import annotations

import threading

from src.core.logger import get_logger, is_debug


def test_debug_flag_and_environment(capsys, monkeypatch):
    monkeypatch.delenv("DEBUG", raising=False)
    assert is_debug() is False
    quiet = get_logger("compat.quiet")
    quiet.debug("hidden %d", 1)
    quiet.info("shown %s", "info", rows=3)
    err = capsys.readouterr().err
    assert "hidden" not in err
    assert "shown info" in err
    assert "compat.quiet" in err
    assert "rows=3" in err
    get_logger("compat.forced", debug=True).debug("forced debug")
    assert "forced debug" in capsys.readouterr().err
    monkeypatch.setenv("DEBUG", "1")
    assert is_debug() is True
    get_logger("compat.env").debug("from env")
    get_logger("compat.off", debug=False).debug("explicit off")
    err = capsys.readouterr().err
    assert "from env" in err
    assert "explicit off" not in err


def test_many_threads_log_whole_lines(capsys):
    log = get_logger("compat.threads")

    def work(n):
        for i in range(20):
            log.warning("line", thread=n, i=i)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 80
    assert all("[warning" in line and "compat.threads" in line for line in lines)


def test_lines_carry_the_f0_run_ids(capsys):
    from f0.log import run_log_context

    log = get_logger("compat.run")
    with run_log_context("run-123", "etl", "corr-9"):
        log.info("inside")
    log.info("outside")
    inside, outside = (line for line in capsys.readouterr().err.splitlines() if "side" in line)
    assert "run_id=run-123" in inside
    assert "recipe=etl" in inside
    assert "correlation_id=corr-9" in inside
    assert "run_id" not in outside
