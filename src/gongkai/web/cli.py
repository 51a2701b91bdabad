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
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes (each opens the store read-only); 2 on a 2-core machine.")
@click.option("--allow-host", "allow_hosts", multiple=True, metavar="NAME",
              help="Another name the server may be addressed by (Host header), besides localhost, "
                   "127.0.0.1, [::1] and --host; repeatable; * accepts any (not advised).")
@click.option("--max-upload-mb", default=20, show_default=True, type=click.IntRange(1, 500),
              help="Largest upload accepted, in MB.")
@click.option("--parse-workers", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Uploads read at once per server process, each in a process of its own.")
@click.option("--job-timeout", default=120.0, show_default=True, type=click.FloatRange(1, 3600),
              help="Seconds one upload may take to read before it is stopped.")
@click.option("--job-memory-mb", default=1536, show_default=True, type=click.IntRange(128, 1 << 20),
              help="Memory one upload's reading may use before it is stopped, in MB.")
@click.option("--max-connections", default=200, show_default=True, type=click.IntRange(1, 100_000),
              help="Open connections per server process beyond which requests get 503 at once.")
@click.option("--allow-upload", is_flag=True,
              help="Let the office upload files or a .zip of reports into the store (--db) from the upload page.")
@click.option("--roster", type=click.Path(dir_okay=False, exists=True, path_type=str), default=None,
              help="A CSV of the bodies expected to report (column 机关, optionally 上级, 地区): the roster page "
                   "lists each as submitted or not.")
def serve_command(db: str | None, host: str, port: int, workers: int, allow_hosts: tuple[str, ...],
                  max_upload_mb: int, parse_workers: int, job_timeout: float, job_memory_mb: int,
                  max_connections: int, allow_upload: bool, roster: str | None) -> None:
    """Serve the reviewers' web pages and the JSON API (docs at /docs).

    \b
    Examples:
      gongkai serve                          # check uploaded reports at http://127.0.0.1:8000
      gongkai serve --db reports.duckdb      # and browse a store
      gongkai serve --db reports.duckdb --workers 2 --host 0.0.0.0 --allow-host review.example.gov.cn
      gongkai serve --db reports.duckdb --allow-upload --roster bodies.csv   # the office's pages
    """
    if (allow_upload or roster) and not db:
        raise click.UsageError(_("{option} needs a store: give --db FILE",
                                 option="--allow-upload" if allow_upload else "--roster"))
    try:
        import uvicorn

        from .app import SETTINGS_ENV, Settings, create_app
        from .security import allowed_hosts
        from .server import HeadTimeoutProtocol, raise_open_files_limit
    except ImportError as e:
        raise click.ClickException(_("the web interface needs the web extra: pip install 'gongkai[web]' ({error})",
                                     error=e))
    import os
    import shutil
    import tempfile

    from ..store.writer import StoreError

    settings = Settings(db=db, max_upload=max_upload_mb * 1024 * 1024, parse_workers=parse_workers,
                        job_timeout=job_timeout, job_memory_mb=job_memory_mb,
                        allowed_hosts=allowed_hosts(host, allow_hosts), allow_upload=allow_upload, roster=roster)
    try:
        # opened here once even with several processes, so a bad store is said once, clearly
        app = create_app(settings=settings)
    except StoreError as e:  # not a store, another schema, or locked by a running ingest
        raise click.ClickException(str(e))
    except Exception as e:
        raise click.ClickException(_("cannot open the store {db}: {error}", db=db, error=e))
    raise_open_files_limit()
    options = dict(host=host, port=port, log_level="warning", http=HeadTimeoutProtocol,
                   limit_concurrency=max_connections, timeout_keep_alive=5)
    url = "http://{}:{}/".format(host, port)
    click.echo("gongkai: " + _("serving on {url} (API docs at /docs)", url=url), err=True)
    if workers == 1:
        uvicorn.run(app, **options)
        return
    if app.state.store is not None:
        app.state.store.close()
    # checked uploads are shared by the processes (the next request may reach another one)
    settings.review_dir = tempfile.mkdtemp(prefix="gongkai-serve-")
    os.environ[SETTINGS_ENV] = settings.to_environment()
    try:
        uvicorn.run("gongkai.web.app:app_from_environment", factory=True, workers=workers, **options)
    finally:
        shutil.rmtree(settings.review_dir, ignore_errors=True)


def register(group: click.Group) -> None:
    group.add_command(serve_command)
