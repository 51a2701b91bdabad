"""What every `gongkai` command shares: help and messages in the reader's language, `--lang`, and
the project's configuration file.

Every command is a `Command` (groups a `Group`): write it with `@command(...)` from here, or
`@main.command(...)` on the main group, or `@click.command(cls=Command)`. That gives it:

- its help (docstring, option `help=`, epilog) translated when it is shown, not when it is
  defined: the English text in the code is the msgid, and `scripts/i18n.py` extracts every
  command's docstring and every `help=` of its options, so an untranslated one fails the catalog
  test. Click's own words (Usage:, Options, Error: …) go through the same catalog;
- a `--lang zh|en` option. The language of a run is `--lang`, else `GONGKAI_LANG`, else `lang` in
  the configuration, else Chinese;
- help text wrapped by display width, so Chinese lines fit the terminal.

Configuration: the nearest `gongkai.toml`, or `pyproject.toml` with a `[tool.gongkai]` table,
from the current folder upwards. Keys: `select`, `ignore` (rule lists, for `gongkai check`),
`severity` and `lang`.
"""
from __future__ import annotations

import inspect
import os
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

import click
from click.formatting import HelpFormatter

from .i18n import LANGUAGES, N_, NP_, _, language, normalize_language, set_language, translations, use_language

# --- click's own words -------------------------------------------------------------------------
# Click looks its messages up with gettext; these are the ones a gongkai user can meet, declared so
# the catalog holds them. `translate_click()` routes click's lookups to gongkai's catalog.
CLICK_MESSAGES = (
    N_("Usage:"), N_("Options"), N_("Commands"), N_("Positional arguments"), N_("Show this message and exit."),
    N_("Show the version and exit."), N_("%(prog)s, version %(version)s"), N_("Error: {message}"),
    N_("Try '{command} {option}' for help."), N_("Invalid value: {message}"),
    N_("Invalid value for {param_hint}: {message}"), N_("Missing argument"), N_("Missing option"),
    N_("Missing parameter"), N_("Missing command."), N_("No such option {name!r}."),
    N_("No such command {name!r}."), N_("default: {default}"), N_("env var: {var}"), N_("Aborted!"),
    N_("{value!r} is not a valid {number_type}."), N_("{value} is not in the range {range}."),
    N_("{name} {filename!r} does not exist."), N_("{name} {filename!r} is a directory."),
    N_("{name} {filename!r} is a file."), N_("{name} {filename!r} is not readable."),
    N_("{name} {filename!r} is not writable."), N_("file"), N_("directory"), N_("path"),
    N_("Could not open file {filename!r}: {message}"), N_("Option {name!r} does not take a value."),
    N_("required"),
)
CLICK_PLURALS = (
    NP_("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"),
    NP_("{value!r} is not {choice}.", "{value!r} is not one of {choices}."),
    NP_("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."),
    NP_("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"),
)
_CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "types", "termui", "utils")


def _click_gettext(message: str) -> str:
    lang = language()
    return message if lang == "en" else translations(lang).gettext(message)


def _click_ngettext(singular: str, plural: str, n: int) -> str:
    return translations(language()).ngettext(singular, plural, n)


def translate_click() -> None:
    """Make click's messages follow gongkai's language (click binds gettext in each module)."""
    import importlib

    for name in _CLICK_MODULES:
        module = importlib.import_module(f"click.{name}")
        if hasattr(module, "_"):
            module._ = _click_gettext
        if hasattr(module, "ngettext"):
            module.ngettext = _click_ngettext


translate_click()


def translate_help(text: Optional[str]) -> Optional[str]:
    """A help text (docstring or `help=`) in the current language; its msgid is the cleaned text."""
    if not text:
        return text
    return _(inspect.cleandoc(text))


# --- wrapping by display width ----------------------------------------------------------------
# A Chinese character takes two columns and a line may break between any two of them; words of
# Latin letters, option names and paths stay whole. Closing punctuation never starts a line.
_TOKEN_RE = re.compile(r"\s+|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+|.", re.S)
_NO_LINE_START = set("，。、；：！？）》」』”’〉】,.;:!?)")
_NO_LINE_END = set("（《「『“‘〈【(")


def _width(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


def fill(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "") -> str:
    """One paragraph wrapped to `width` display columns."""
    lines: list[str] = []
    line, used, space = initial_indent, _width(initial_indent), False
    has_words = False
    tokens: list[str] = []
    for token in _TOKEN_RE.findall(text):  # an opening bracket stays with what follows it
        if tokens and tokens[-1][-1] in _NO_LINE_END and not token.isspace():
            tokens[-1] += token
        else:
            tokens.append(token)
    for token in tokens:
        if token.isspace():
            space = has_words
            continue
        w = _width(token)
        gap = 1 if space else 0
        if has_words and used + gap + w > width and token[0] not in _NO_LINE_START:
            lines.append(line.rstrip())
            line, used, gap = subsequent_indent, _width(subsequent_indent), 0
        line += " " * gap + token
        used += gap + w
        has_words, space = True, False
    lines.append(line.rstrip())
    return "\n".join(lines)


def wrap_text(text: str, width: int, initial_indent: str = "", subsequent_indent: str = "",
              preserve_paragraphs: bool = False) -> str:
    """click's `wrap_text` (paragraphs, `\\b` blocks kept as written) measured in display columns."""
    text = text.expandtabs()
    if not preserve_paragraphs:
        return fill(text, width, initial_indent, subsequent_indent)
    paragraphs: list[tuple[int, bool, str]] = []
    buf: list[str] = []
    indent: Optional[int] = None

    def flush() -> None:
        if buf:
            raw = buf[0].strip() == "\b"
            paragraphs.append((indent or 0, raw, "\n".join(buf[1:]) if raw else " ".join(buf)))
            buf.clear()

    for line in text.splitlines():
        if not line:
            flush()
            indent = None
        else:
            if indent is None:
                indent = len(line) - len(line.lstrip())
                line = line.lstrip()
            buf.append(line)
    flush()
    out = []
    for extra, raw, body in paragraphs:
        pad = " " * extra
        if raw:
            out.append("\n".join(initial_indent + pad + line for line in body.splitlines()))
        else:
            out.append(fill(body, width, initial_indent + pad, subsequent_indent + pad))
    return "\n\n".join(out)


class WideHelpFormatter(HelpFormatter):
    """click's help formatter, wrapping by display width (Chinese characters count two)."""

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{heading}{'：' if language() == 'zh' else ':'}\n")

    def write_usage(self, prog: str, args: str = "", prefix: Optional[str] = None) -> None:
        if prefix is None:
            word = _click_gettext("Usage:")
            prefix = word if word.endswith("：") else word + " "
        usage_prefix = f"{prefix:>{self.current_indent}}{prog} "
        text_width = self.width - self.current_indent
        if not args:
            self.write(usage_prefix.rstrip(" ") + "\n")
            return
        indent = " " * _width(usage_prefix)
        self.write(wrap_text(args, text_width, initial_indent=usage_prefix, subsequent_indent=indent) + "\n")

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        self.write(wrap_text(text, self.width, initial_indent=indent, subsequent_indent=indent,
                             preserve_paragraphs=True) + "\n")

    def write_dl(self, rows, col_max: int = 30, col_spacing: int = 2) -> None:
        rows = list(rows)
        first_width = min(max((_width(r[0]) for r in rows), default=0), col_max)
        first_col = first_width + col_spacing
        for first, second in rows:
            self.write(f"{'':>{self.current_indent}}{first}")
            if not second:
                self.write("\n")
                continue
            if _width(first) <= first_width:
                self.write(" " * (first_col - _width(first)))
            else:
                self.write("\n" + " " * (first_col + self.current_indent))
            text_width = max(self.width - first_col - 2, 10)
            lines = wrap_text(second, text_width, preserve_paragraphs=True).splitlines() or [""]
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{'':>{first_col + self.current_indent}}{line}\n" if line else "\n")


class Context(click.Context):
    formatter_class = WideHelpFormatter


# --- configuration ----------------------------------------------------------------------------
CONFIG_KEYS = ("select", "ignore", "severity", "lang")
SEVERITIES = ("info", "warning", "error")


class ConfigError(Exception):
    """The configuration file cannot be used; the message names the file and says why."""


@dataclass
class Config:
    path: Optional[Path] = None
    select: list[str] = field(default_factory=list)
    ignore: list[str] = field(default_factory=list)
    severity: Optional[str] = None
    lang: Optional[str] = None


def find_config(start: Optional[Path] = None) -> Optional[tuple[Path, dict]]:
    """The nearest `gongkai.toml`, or `pyproject.toml` with `[tool.gongkai]`, from `start` up:
    (file, its gongkai table), or None."""
    folder = (start or Path.cwd()).resolve()
    for d in (folder, *folder.parents):
        for name in ("gongkai.toml", "pyproject.toml"):
            path = d / name
            if not path.is_file():
                continue
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
                raise ConfigError(_("{file}: not a readable TOML file ({reason})", file=path, reason=e)) from None
            if name == "gongkai.toml":
                return path, data.get("tool", {}).get("gongkai", data)
            if isinstance(data.get("tool"), dict) and "gongkai" in data["tool"]:
                return path, data["tool"]["gongkai"]
    return None


def _rule_list(value: Any, key: str, path: Path) -> list[str]:
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(_("{file}: {key} must be a list of rule codes or names", file=path, key=key))
    return [v.strip() for v in value if v.strip()]


def load_config(start: Optional[Path] = None) -> Config:
    """The configuration that applies here (an empty one when there is no file)."""
    found = find_config(start)
    if found is None:
        return Config()
    path, table = found
    if not isinstance(table, dict):
        raise ConfigError(_("{file}: [tool.gongkai] must be a table", file=path))
    unknown = sorted(set(table) - set(CONFIG_KEYS))
    if unknown:
        raise ConfigError(_("{file}: unknown setting {keys} (known: {known})", file=path, keys=", ".join(unknown),
                            known=", ".join(CONFIG_KEYS)))
    config = Config(path=path)
    if "select" in table:
        config.select = _rule_list(table["select"], "select", path)
    if "ignore" in table:
        config.ignore = _rule_list(table["ignore"], "ignore", path)
    if "severity" in table:
        if table["severity"] not in SEVERITIES:
            raise ConfigError(_("{file}: severity must be one of {choices}", file=path, choices=", ".join(SEVERITIES)))
        config.severity = table["severity"]
    if "lang" in table:
        config.lang = normalize_language(str(table["lang"]))
        if config.lang is None:
            raise ConfigError(_("{file}: lang must be one of {choices}", file=path, choices=", ".join(LANGUAGES)))
    return config


# --- the language of a run --------------------------------------------------------------------
def _lang_in_args(args: list[str]) -> Optional[str]:
    """The value of `--lang` anywhere on the command line (so even `--help` before it follows it)."""
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--lang" and i + 1 < len(args):
            return normalize_language(args[i + 1])
        if arg.startswith("--lang="):
            return normalize_language(arg.split("=", 1)[1])
    return None


def run_language(args: list[str]) -> Optional[str]:
    """`--lang`, else GONGKAI_LANG, else the configuration's `lang` (None: the default)."""
    chosen = _lang_in_args(args)
    if chosen or normalize_language(os.environ.get("GONGKAI_LANG")):
        return chosen
    try:
        return load_config().lang
    except ConfigError:
        return None  # reported by the command that reads the configuration


def _set_lang(ctx: click.Context, param: click.Parameter, value: Optional[str]) -> Optional[str]:
    if value:
        set_language(value)
    return value


def lang_option() -> click.Option:
    return click.Option(["--lang"], type=click.Choice(LANGUAGES), expose_value=False, is_eager=True,
                        callback=_set_lang,
                        help=N_("Language of messages and help: zh (default) or en; also GONGKAI_LANG."))


class _Localized:
    """What Command and Group share: --lang, the run's language, translated help."""

    context_class = Context

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not any(isinstance(p, click.Option) and "--lang" in p.opts for p in self.params):
            self.params.append(lang_option())

    def main(self, args=None, prog_name=None, **extra: Any):
        argv = list(sys.argv[1:] if args is None else args)
        try:
            with use_language(run_language(argv)):
                return super().main(args=argv, prog_name=prog_name, **extra)
        except BrokenPipeError:
            # the reader of the output has gone (`gongkai … | head`): stop quietly, as cat does,
            # and keep Python from complaining when it flushes stdout at exit
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            sys.exit(1)

    def get_help_option(self, ctx: click.Context):
        option = super().get_help_option(ctx)
        if option is not None and not getattr(option, "_msgid_help", False):
            option.help = "Show this message and exit."  # the msgid: translated when shown
            option._msgid_help = True
        return option

    def format_help(self, ctx: click.Context, formatter: HelpFormatter) -> None:
        params = [p for p in self.get_params(ctx) if getattr(p, "help", None)]
        saved_params = [p.help for p in params]
        saved = (self.help, self.epilog)
        try:
            for p in params:
                p.help = translate_help(p.help)
            self.help, self.epilog = translate_help(self.help), translate_help(self.epilog)
            super().format_help(ctx, formatter)
        finally:
            for p, h in zip(params, saved_params):
                p.help = h
            self.help, self.epilog = saved

    def get_short_help_str(self, limit: int = 45) -> str:
        """The first sentence of the help, in the current language (the list wraps it)."""
        text = translate_help(self.short_help or self.help) or ""
        first = text.split("\n\n")[0].replace("\n", " ")
        m = re.search(r"[。！？]|\.(\s|$)", first)
        return (first[:m.start() + (1 if m.group(0) in "。！？" else 0)] if m else first).strip()


class Command(_Localized, click.Command):
    """A gongkai command: translated help, `--lang`, the run's language."""


class Group(_Localized, click.Group):
    """The gongkai group; its subcommands are `Command`s (and subgroups `Group`s)."""

    command_class = Command
    group_class = type


def command(name: Optional[str] = None, **attrs: Any):
    """`@click.command` making a gongkai `Command`."""
    attrs.setdefault("cls", Command)
    return click.command(name, **attrs)


def version_option(version: str):
    return click.version_option(version, "--version", "-V", prog_name="gongkai", help="Show the version and exit.")


__all__ = ["Command", "Group", "command", "lang_option", "version_option", "Config", "ConfigError", "load_config",
           "find_config", "translate_help", "wrap_text", "fill", "WideHelpFormatter"]
