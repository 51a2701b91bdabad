"""The `gongkai` command line. Every command is a `gongkai.cli_base.Command`: help and messages in
Chinese by default, `--lang en` or GONGKAI_LANG=en for English."""
from __future__ import annotations

import click

from . import __version__
from .cli_base import Group, version_option
from .checks.cli import published_option


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@version_option(__version__)
def main() -> None:
    """Read, check, store and compare government information-disclosure annual reports
    (政府信息公开工作年度报告).

    \b
    Examples:
      gongkai parse report.html                 # the tables, as the template lays them out
      gongkai parse --format jsonl reports/*    # one JSON record per line, for scripts
      gongkai check reports/                    # what does not add up, and where
      gongkai --lang en rules                   # in English (or GONGKAI_LANG=en)
    """


# --- parse -------------------------------------------------------------------------------------
@main.command("parse")
# Not click.Path(dir_okay=False): one argument that is not a readable file (or `-`, standard input) must cost only its own
# output (a line on stderr, exit 2), not that of every other file.
@click.argument("files", nargs=-1, required=True, type=str)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default=None,
              help="table: the statutory tables as the template lays them out (default on a terminal); "
                   "json: one record, or an array for several files (default otherwise); "
                   "jsonl: one record per line, in input order.")
@click.option("--no-check", is_flag=True, help="Skip the checks; findings then only say what could not be read.")
@click.option("--max-size", metavar="SIZE", default=None,
              help="Refuse files larger than this (e.g. 50M, 1G; 0 for no limit). "
                   "Default: $GONGKAI_MAX_BYTES, else 100M.")
@click.option("--published-on", "published", metavar="DATE", callback=published_option,
              help="When the reports were published (2024-01-20), if the documents do not say (record field "
                   "`published`).")
def parse_command(files: tuple[str, ...], fmt: str | None, no_check: bool, published: str | None,
                  max_size: str | None) -> None:
    """Read reports (text, HTML, PDF, Word, scans) into records.

    A file that cannot be read gets a line on stderr naming it and why; the other files still come
    out. `-` reads standard input. Exit status 2 if any file failed, else 0.

    \b
    Examples:
      gongkai parse report.txt
      gongkai parse --format json report.pdf > report.json
      gongkai parse --format jsonl reports/*.html | jq .requests.total.total
      cat report.txt | gongkai parse -
    """
    import sys

    from .api import parse_files
    from .ingest import max_file_bytes
    from .render.terminal import print_record
    from .terminal import terminal_safe

    if max_size is not None:
        try:
            max_file_bytes(max_size)
        except ValueError as e:
            raise click.BadParameter(str(e), param_hint="--max-size") from None
    if fmt is None:
        fmt = "table" if sys.stdout.isatty() else "json"
    failed = 0
    records = []
    for path, record, error in parse_files(files, check=not no_check, max_bytes=max_size, published=published):
        if record is None:
            failed += 1
            click.echo(f"gongkai: {terminal_safe(path, one_line=True)}: {terminal_safe(error, one_line=True)}",
                       err=True)
            continue
        if fmt == "jsonl":
            click.echo(record.to_json())
        elif fmt == "table":
            print_record(record)
        else:
            records.append(record)
    if fmt == "json" and records:
        import json

        payload = records[0].to_dict() if len(files) == 1 else [r.to_dict() for r in records]
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    if failed:
        sys.exit(2)


# --- check, rules (owned by the checks; see gongkai/checks/cli.py) --------------------------------
from .checks.cli import check_command, rules_command  # noqa: E402  (after the group they join)

main.add_command(check_command)
main.add_command(rules_command)

# --- ingest, query, export, stats (gongkai/cli_store.py); serve (gongkai/web/cli.py) -------------
# Both modules import their heavy dependencies (duckdb, fastapi) only when a command runs.
from .cli_store import register as _register_store  # noqa: E402
from .web.cli import register as _register_web  # noqa: E402

_register_store(main)
_register_web(main)
from .cli_draft import register as _register_draft  # noqa: E402  (gongkai draft new|render|blank)

_register_draft(main)
from .review.cli import register as _register_review  # noqa: E402  (gongkai review list|set|report|correct)

_register_review(main)
from .review.letters_cli import register as _register_letters  # noqa: E402  (gongkai letters, gongkai summary)

_register_letters(main)
