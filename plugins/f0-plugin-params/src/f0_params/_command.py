"""The ``f0 params`` command (typer); the work is in :mod:`f0_params._cli`."""

from __future__ import annotations

import typer

__all__ = ["register"]

HELP = """Read and change the locked JSON parameter file of a step instance directory.

\b
  f0 params                      the whole file in . (created from the defaults if absent)
  f0 params PATH                 the whole file in directory PATH
  f0 params PATH GROUP           one group
  f0 params PATH GROUP KEY       one value (strings raw, others as JSON)
  f0 params PATH GROUP KEY VALUE set it (JSON if VALUE parses: 5, true, "x"; else text)
  f0 params PATH GROUP KEY -i    increment by 1 (-d: decrement); prints the new value
  f0 params PATH GROUP [KEY] --delete

Exit codes: 0 ok; 1 no such group/key, not an integer, lock timeout;
2 usage, PATH not a directory, unusable (non-JSON) file.
"""


def register(app: typer.Typer) -> None:
    """Add ``params`` to *app*."""

    @app.command(
        "params",
        help=HELP,
        context_settings={"ignore_unknown_options": True},
        no_args_is_help=False,
    )
    def params(  # noqa: PLR0917 - typer maps parameters to options
        args: list[str] | None = typer.Argument(
            None, metavar="[PATH [GROUP [KEY [VALUE]]]]", show_default=False
        ),
        increment: bool = typer.Option(False, "-i", "--increment", help="Add 1 to KEY."),
        decrement: bool = typer.Option(False, "-d", "--decrement", help="Subtract 1 from KEY."),
        delete: bool = typer.Option(
            False, "--delete", help="Delete KEY (or the whole GROUP without KEY)."
        ),
        as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
        repair: bool = typer.Option(
            False,
            "--repair",
            help="If the file is not valid JSON, move it aside (NAME.corrupt-TIME) and recreate the defaults.",
        ),
        fast: bool = typer.Option(
            False, "--fast", help="Do not fsync before replacing the file (also F0_PARAMS_FAST=1)."
        ),
        timeout: float = typer.Option(
            10.0, "--timeout", min=0.0, help="Seconds to wait for the lock."
        ),
    ) -> None:
        from f0_params._cli import CliRequest, run_params_cli

        def err(text: str) -> None:
            typer.echo(text, err=True)

        request = CliRequest(
            args=args or [],
            increment=increment,
            decrement=decrement,
            delete=delete,
            as_json=as_json,
            repair=repair,
            fast=fast or None,  # None: F0_PARAMS_FAST decides
            timeout=timeout,
        )
        run_params_cli(request, typer.echo, err)
