"""`netlab version`."""

import typer

from netlab import __version__


def register(app: typer.Typer) -> None:
    @app.command()
    def version() -> None:
        """Print netlab's version."""
        typer.echo(__version__)
