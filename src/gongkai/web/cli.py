"""`gongkai serve`: the web interface. `register(main)` adds it to the CLI group."""
from __future__ import annotations

import click

from ..cli_base import command
from ..i18n import _


@command("serve")
@click.option("--db", type=click.Path(dir_okay=False, exists=True, path_type=str), default=None,
              help="A store (DuckDB file from `gongkai ingest`) to browse, opened read-only. "
                   "Without it, only checking uploads is offered.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on (0.0.0.0 exposes the server to the network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(1, 500),
              help="Largest upload accepted, in MB.")
def serve_command(db: str | None, host: str, port: int, max_upload_mb: int) -> None:
    """Serve the reviewers' web pages and the JSON API (docs at /docs).

    \b
    Examples:
      gongkai serve                          # check uploaded reports at http://127.0.0.1:8000
      gongkai serve --db reports.duckdb      # and browse a store
    """
    try:
        import uvicorn

        from .app import create_app
    except ImportError as e:
        raise click.ClickException(_("the web interface needs the web extra: pip install 'gongkai[web]' ({error})",
                                     error=e))
    from ..store.writer import StoreError

    try:
        app = create_app(db, max_upload=max_upload_mb * 1024 * 1024)
    except StoreError as e:  # not a store, another schema, or locked by a running ingest
        raise click.ClickException(str(e))
    except Exception as e:
        raise click.ClickException(_("cannot open the store {db}: {error}", db=db, error=e))
    url = "http://{}:{}/".format(host, port)
    click.echo("gongkai: " + _("serving on {url} (API docs at /docs)", url=url), err=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")


def register(group: click.Group) -> None:
    group.add_command(serve_command)
