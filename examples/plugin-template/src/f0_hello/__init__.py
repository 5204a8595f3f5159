"""f0-plugin-hello: an example plugin with a step type and a command.

Hooks implemented: ``f0_step_runner`` (type ``hello``), ``f0_step_types``,
``f0_register_commands`` (``f0 hello NAME``). Keep this module thin: f0
imports it on every start, so heavy work lives in other modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from f0 import hookimpl, lazy_getattr

if TYPE_CHECKING:
    from f0 import StepRunner

    from f0_hello._step import HelloRunner, greeting

__all__ = ["HelloRunner", "greeting"]

# f0 imports this module on every start (`f0 --help` too): the step code, and
# the f0 names it needs, load only when a hello step or command is used.
__getattr__: Any = lazy_getattr(
    __name__, {"HelloRunner": "f0_hello._step", "greeting": "f0_hello._step"}
)


@hookimpl
def f0_step_runner(step_type: str) -> StepRunner | None:
    """Run steps of ``type: hello``."""
    if step_type != "hello":
        return None
    from f0_hello._step import HelloRunner

    return HelloRunner()


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
        from f0_hello._step import greeting

        typer.echo(greeting(name, shout=shout))
