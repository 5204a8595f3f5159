"""f0-plugin-hello: an example plugin with a step type and a command.

Hooks implemented: ``f0_step_runner`` (type ``hello``), ``f0_step_types``,
``f0_register_commands`` (``f0 hello NAME``). Keep this module thin: f0
imports it on every start, so heavy work lives in other modules.
"""

from __future__ import annotations

import typer
from f0 import StepRunner, hookimpl

from f0_hello._step import HelloRunner, greeting

__all__ = ["HelloRunner", "greeting"]


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """Run steps of ``type: hello``."""
    return HelloRunner() if step_type == "hello" else None


@hookimpl
def f0_step_types() -> list[str]:
    """Declare the step types this plugin adds."""
    return ["hello"]


@hookimpl
def f0_register_commands(app: typer.Typer) -> None:
    """Add ``f0 hello NAME``."""

    @app.command()
    def hello(
        name: str = typer.Argument("world", help="Who to greet."),
        shout: bool = typer.Option(False, "--shout", help="Greet in capitals."),
    ) -> None:
        """Print a greeting (example command from f0-plugin-hello)."""
        typer.echo(greeting(name, shout=shout))
