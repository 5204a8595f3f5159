"""Steps of the resilience example: a service that is down, a flaky one, step-code retries."""

from __future__ import annotations

import socket

from f0_resilience import BackoffStrategy, ErrorContext, ErrorMetadata, RetryStrategy


def fetch_rates(context, params):
    """Ask a rates service on a port where nothing listens: always 'connection refused'."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with socket.create_connection(("127.0.0.1", port), timeout=2):
        pass  # never reached: the port was released, nothing listens
    return 0


def convert(context, params):
    """Convert amounts with whatever rates we have (live or the fallback's cached ones)."""
    rates = context.get("rates")
    amounts = params["amounts"]
    context.set("converted", {k: round(v * rates["EUR"], 2) for k, v in amounts.items()})
    context.set("converted.source", rates["source"])
    return 0


def flaky_total(context, params):
    """Step code using RetryStrategy directly: the 'service' fails twice, then answers."""
    state = {"calls": 0}

    def service():
        state["calls"] += 1
        if state["calls"] < 3:
            msg = f"busy (call {state['calls']})"
            raise ConnectionError(msg)
        return sum(params["values"])

    strategy = RetryStrategy(
        max_attempts=5, backoff_strategy=BackoffStrategy.EXPONENTIAL_JITTER, initial_delay=0.05
    )
    result = strategy.execute_with_retry(service)
    context.set("total", result.final_result)
    context.set("total.attempts", result.attempts_made)
    if not result.success:
        error = ErrorContext.from_exception(
            result.final_error, ErrorMetadata(step_id="flaky_total")
        )
        context.set("total.error", error.to_dict())
        return 1
    return 0


def record(context, params):
    """One of three steps sharing a rate limit and a bulkhead compartment."""
    context.set(f"batch.{params['n']}", params["n"] * 10)
    return 0
