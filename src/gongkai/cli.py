"""The `gongkai` command line."""
from __future__ import annotations

import click

from . import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="gongkai")
def main() -> None:
    """Read, check, store and compare government information-disclosure annual reports
    (政府信息公开工作年度报告).

    \b
    Examples:
      gongkai parse report.html                 # the tables, as the template lays them out
      gongkai parse --format jsonl reports/*    # one JSON record per line, for scripts
    """
