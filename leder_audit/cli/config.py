"""Project settings: `[tool.leder-audit]` in pyproject.toml, or a leder-audit.toml, read against the
command line's own options, so that every option any command has can be set there by its long name."""

from __future__ import annotations

import argparse
import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

from ..errors import LederAuditError, undecodable

CONFIG_FILE = "leder-audit.toml"
PYPROJECT = "pyproject.toml"
PYPROJECT_TABLE = ("tool", "leder-audit")
# The search for a settings file stops at the top of the repository the working folder is in.
REPOSITORY_MARKERS = (".git", ".hg", ".svn")
# Options whose value names a file or folder: in a settings file they are relative to that file.
PATH_METAVARS = frozenset({"FILE", "DIR", "PATH", "REPORT"})
# Commands about the settings themselves, which the settings never change.
UNCONFIGURED = frozenset({"config", "completion"})

DEFAULT, COMMAND_LINE = "default", "command line"


class ConfigError(LederAuditError):
    """A settings file that cannot be used, naming the file, the line and, where one is close, the right key."""

    def __init__(self, message: str, file: Path | str, line: int | None = None, hint: str | None = None) -> None:
        self.message, self.line, self.hint = message, line, hint
        self.file = display_path(file) if isinstance(file, Path) else file
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}" + (f"; {self.hint}" if self.hint else "")


@dataclass(frozen=True)
class Option:
    """One option a command takes, as its settings key sees it."""

    key: str  # the long name without dashes: fail-on
    action: argparse.Action

    @property
    def dest(self) -> str:
        return self.action.dest

    @property
    def is_path(self) -> bool:
        return self.action.metavar in PATH_METAVARS


def command_parsers(parser: argparse.ArgumentParser, prefix: str = "",
                    include_groups: bool = False) -> dict[str, argparse.ArgumentParser]:
    """Every command's own parser, by its table name: `check`, `rules-list`, `rules-test`, ...

    With include_groups, a group of commands (`rules`) is there too, before its members.
    """
    found: dict[str, argparse.ArgumentParser] = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                members = command_parsers(sub, f"{prefix}{name}-", include_groups)
                if include_groups or not members:
                    found[f"{prefix}{name}"] = sub
                found.update(members)
    return found


def options_of(parser: argparse.ArgumentParser) -> dict[str, Option]:
    """The options of one command that a settings file may give, by their first long name (--fail-on,
    --no-builtin; for a --x/--no-x pair, x)."""
    options: dict[str, Option] = {}
    for action in parser._actions:
        long_names = [string for string in action.option_strings if string.startswith("--")]
        if long_names and _configurable(action):
            options[long_names[0][2:]] = Option(long_names[0][2:], action)
    return options


def _configurable(action: argparse.Action) -> bool:
    if isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
        return False
    return bool(action.option_strings) and isinstance(action, (
        argparse._StoreAction, argparse._StoreConstAction, argparse._AppendAction, argparse.BooleanOptionalAction))


def configured_commands(parser: argparse.ArgumentParser) -> dict[str, dict[str, Option]]:
    """Each command a settings file can configure, with its options."""
    return {name: options_of(sub) for name, sub in command_parsers(parser).items() if name not in UNCONFIGURED}


def command_of(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The table name of the command args were parsed for (`rules-test`), from the sub-command choices made."""
    names: list[str] = []
    current = parser
    while True:
        chooser = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        if chooser is None:
            return "-".join(names) or None
        chosen = getattr(args, chooser.dest, None)
        if chosen is None or chosen not in chooser.choices:
            return "-".join(names) or None
        names.append(chosen)
        current = chooser.choices[chosen]


# ---- finding and reading the file


def find_settings_file(start: Path) -> Path | None:
    """The nearest leder-audit.toml, or pyproject.toml with a [tool.leder-audit] table, from start upwards.

    The search ends at the repository's top folder (the one holding .git), or at the file system's root.
    """
    for folder in (start, *start.parents):
        own = folder / CONFIG_FILE
        if own.is_file():
            return own
        project = folder / PYPROJECT
        if project.is_file() and _mentions_table(project):
            return project
        if any((folder / marker).exists() for marker in REPOSITORY_MARKERS):
            return None
    return None


def _mentions_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return re.search(r"^\s*\[\s*tool\s*\.\s*[\"']?leder-audit\b", text, re.MULTILINE) is not None


@dataclass
class Settings:
    """The keys of one settings file, each with the line it is on."""

    file: Path
    top: dict[str, Any] = field(default_factory=dict)
    lines: dict[tuple[str, ...], int] = field(default_factory=dict)
    prefix: tuple[str, ...] = ()

    def line(self, *path: str) -> int | None:
        return self.lines.get(self.prefix + path) or self.lines.get(self.prefix + path[:1]) or self.lines.get(self.prefix)

    @property
    def table(self) -> str:
        return "[" + ".".join(self.prefix) + "]" if self.prefix else "the top level"

    def where(self, *path: str) -> str:
        line = self.line(*path)
        return f"{display_path(self.file)}:{line}" if line else display_path(self.file)


def load_settings(path: Path) -> Settings:
    """A settings file read: a pyproject.toml's [tool.leder-audit] table, or the whole of any other file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ConfigError("no such settings file", path) from None
    except UnicodeDecodeError as error:
        line, column, byte = undecodable(error)
        raise ConfigError(f"not valid UTF-8: byte {column} of the line is {byte}", path, line,
                          "save the settings file as UTF-8") from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read the settings file ({getattr(error, 'strerror', None) or error})", path) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML: {error}", path) from None
    settings = Settings(path, lines=key_lines(text))
    if path.name == PYPROJECT:
        settings.prefix = PYPROJECT_TABLE
        table = document.get("tool", {}).get("leder-audit")
        if not isinstance(table, dict):
            raise ConfigError("there is no [tool.leder-audit] table in this pyproject.toml", path)
        settings.top = table
    else:
        settings.top = document
    return settings


_KEY_PART = r"(?:\"(?:[^\"\\]|\\.)*\"|'[^']*'|[A-Za-z0-9_-]+)"
_DOTTED = re.compile(rf"\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*")
_HEADER = re.compile(rf"^\s*\[\[?({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*\]\]?")
_ASSIGNMENT = re.compile(rf"^\s*({_KEY_PART}(?:\s*\.\s*{_KEY_PART})*)\s*=")


def key_lines(text: str) -> dict[tuple[str, ...], int]:
    """The line of every table header and key in TOML text, by full key path: tomllib keeps no positions."""
    lines: dict[tuple[str, ...], int] = {}
    table: tuple[str, ...] = ()
    for number, line in enumerate(text.splitlines(), 1):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
            lines.setdefault(table, number)
            continue
        assignment = _ASSIGNMENT.match(line)
        if assignment:
            lines.setdefault(table + _split_key(assignment.group(1)), number)
    return lines


def _split_key(dotted: str) -> tuple[str, ...]:
    parts = re.findall(_KEY_PART, dotted)
    return tuple(part[1:-1] if part[:1] in "\"'" else part for part in parts)


# ---- checking the keys and values


@dataclass(frozen=True)
class Setting:
    """A value from the settings file for one option, and where it was given."""

    dest: str
    value: Any
    source: str


def settings_for(settings: Settings, commands: dict[str, dict[str, Option]], command: str) -> dict[str, Setting]:
    """The settings that apply to one command: the top-level keys it has, then its own table over them.

    Every key in the file is checked first, for every command, so a mistake is found whichever command runs.
    """
    checked = check_settings(settings, commands)
    return checked.get(command, {})


def check_settings(settings: Settings, commands: dict[str, dict[str, Option]]) -> dict[str, dict[str, Setting]]:
    """Every command's settings from the file, each key known and each value fit for its option."""
    every_option = {key for options in commands.values() for key in options}
    applied: dict[str, dict[str, Setting]] = {name: {} for name in commands}
    tables: list[tuple[str, dict[str, Any]]] = []
    for key, value in settings.top.items():
        if isinstance(value, dict):
            if key not in commands:
                raise ConfigError(f"unknown table {_table_name(settings, key)}", settings.file, settings.line(key),
                                  _hint(key, commands, f"tables are named after commands: {', '.join(sorted(commands))}"))
            tables.append((key, value))
            continue
        if key not in every_option:
            raise ConfigError(f"unknown key `{key}` in {settings.table}", settings.file, settings.line(key),
                              _hint(key, every_option | set(commands)))
        for name, options in commands.items():
            if key in options:
                shared = sum(key in other for other in commands.values()) > 1
                applied[name][options[key].dest] = _setting(settings, options[key], value, (key,), name, shared)
    for name, table in tables:
        options = commands[name]
        for key, value in table.items():
            if key not in options:
                raise ConfigError(f"unknown key `{key}` in {_table_name(settings, name)}", settings.file,
                                  settings.line(name, key), _hint(key, options, f"`{name}` has no option --{key}"))
            applied[name][options[key].dest] = _setting(settings, options[key], value, (name, key), name)
    return applied


def _table_name(settings: Settings, name: str) -> str:
    return "[" + ".".join((*settings.prefix, name)) + "]"


def _hint(key: str, known: Any, fallback: str | None = None) -> str | None:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.6)
    if not close and "_" in key:
        close = [key.replace("_", "-")] if key.replace("_", "-") in known else []
    return f"did you mean `{close[0]}`?" if close else fallback


def _setting(settings: Settings, option: Option, value: Any, path: tuple[str, ...], command: str,
             shared: bool = False) -> Setting:
    hint = (f"a key at {settings.table} is given to every command with --{option.key}, `{command}` among them; "
            f"put it in a command's own table, such as {_table_name(settings, 'check')}, to give it to that "
            "command alone") if shared else None
    converted = _convert(option, value, lambda message: ConfigError(
        f"`{path[-1]}` {message}", settings.file, settings.line(*path), hint), settings.file.parent)
    return Setting(option.dest, converted, settings.where(*path))


def _convert(option: Option, value: Any, fail: Callable[[str], ConfigError], base: Path) -> Any:
    """A TOML value as the option's own type would have read it from the command line."""
    action = option.action
    if isinstance(action, argparse.BooleanOptionalAction):
        if not isinstance(value, bool):
            raise fail(f"takes true or false, not {_shown(value)}")
        return value
    if isinstance(action, argparse._StoreConstAction):
        if not isinstance(value, bool):
            raise fail(f"takes true or false, not {_shown(value)}")
        return action.const if value else action.default
    many = isinstance(action, argparse._AppendAction) or action.nargs in ("+", "*")
    if many:
        items = value if isinstance(value, list) else [value]
        return [_one(option, item, fail, base) for item in items]
    if isinstance(value, list):
        raise fail(f"takes one value, not a list of {len(value)}")
    return _one(option, value, fail, base)


def _one(option: Option, value: Any, fail: Callable[[str], ConfigError], base: Path) -> Any:
    action = option.action
    if isinstance(value, bool) or isinstance(value, (dict, list)):
        raise fail(f"takes {_expected(action)}, not {_shown(value)}")
    if not isinstance(value, (str, int, float, date)):
        raise fail(f"takes {_expected(action)}, not {_shown(value)}")
    if isinstance(value, str) and option.is_path:
        value = str(resolve_path(value, base))
    text = value.isoformat() if isinstance(value, date) else str(value)
    converter = action.type if callable(action.type) else None
    if converter is None and not isinstance(value, str):
        raise fail(f"takes {_expected(action)}, not {_shown(value)}")
    try:
        converted = converter(text) if converter else text
    except (argparse.ArgumentTypeError, TypeError, ValueError) as error:
        raise fail(f"cannot be {_shown(value)}: {error}") from None
    if action.choices is not None and converted not in action.choices:
        choices = ", ".join(str(c) for c in action.choices)
        raise fail(f"cannot be {_shown(value)}: choose from {choices}")
    return converted


def _expected(action: argparse.Action) -> str:
    if action.choices is not None:
        return "one of " + ", ".join(str(c) for c in action.choices)
    if action.metavar:
        return f"a {action.metavar}" if isinstance(action.metavar, str) else "a value"
    return "a value"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else str(value)


def resolve_path(value: str, base: Path) -> Path:
    """A file or folder named in a settings file: relative to that file's folder, ~ for the home folder."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else base / path


def display_path(path: Path) -> str:
    """A path as short as it can be said: relative to the working folder when it is under it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except ValueError:
        return str(path)


# ---- applying them under the command line


def given_on_command_line(make_parser: Callable[[], argparse.ArgumentParser], argv: Sequence[str]) -> set[str]:
    """The dests of the options argv gives itself, found by parsing it again with every default taken away."""
    parser = make_parser()
    for sub in all_parsers(parser):
        for action in sub._actions:
            if not isinstance(action, (argparse._SubParsersAction, argparse._HelpAction)):
                action.default = argparse.SUPPRESS
        sub._defaults.clear()
    return set(vars(parser.parse_args(list(argv))))


def all_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    yield parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from all_parsers(sub)


@dataclass(frozen=True)
class Effective:
    """The settings a command runs with: the file they came from, if any, and the source of each option."""

    file: Path | None
    sources: dict[str, str]


def apply_settings(args: argparse.Namespace, parser: argparse.ArgumentParser, given: set[str],
                   settings_file: Path | None) -> Effective:
    """Set on args every option the settings file gives for this command and the command line does not."""
    command = command_of(parser, args)
    commands = configured_commands(parser)
    options = commands.get(command or "", {})
    sources = {option.dest: COMMAND_LINE if option.dest in given else DEFAULT for option in options.values()}
    if settings_file is None:
        return Effective(None, sources)
    settings = load_settings(settings_file)
    if command in UNCONFIGURED:
        check_settings(settings, commands)
        return Effective(settings_file, sources)
    for dest, setting in settings_for(settings, commands, command or "").items():
        if dest not in given:
            setattr(args, dest, setting.value)
            sources[dest] = setting.source
    return Effective(settings_file, sources)


def settings_file_for(explicit: str | None, ignore: bool, start: Path | None = None) -> Path | None:
    """The settings file to read: the one named, none when told to ignore them, else the nearest one."""
    if explicit:
        return Path(explicit)
    if ignore:
        return None
    return find_settings_file(start or Path.cwd())


def configure(parser: argparse.ArgumentParser, args: argparse.Namespace, argv: Sequence[str],
              make_parser: Callable[[], argparse.ArgumentParser]) -> Effective:
    """Apply the settings file (the one --config names, or the nearest) to args parsed from argv."""
    found = settings_file_for(getattr(args, "settings_file", None), getattr(args, "no_config", False))
    given = given_on_command_line(make_parser, argv) if found else set()
    return apply_settings(args, parser, given, found)


# ---- the `config` command


def add_config_parser(commands: Any) -> None:
    """Add `config` to the command line's sub-commands."""
    config = commands.add_parser(
        "config", help="show the settings a command would run with, and where each came from",
        description="Show every option COMMAND takes, the value it would run with, and where that value came "
                    "from: the default, a settings file and its line, or the command line.")
    config.add_argument("command_line", nargs=argparse.REMAINDER, metavar="COMMAND [OPTION ...]",
                        help="a command and any options, as you would run it (default: check)")


def show_config(args: argparse.Namespace, make_parser: Callable[[], argparse.ArgumentParser]) -> int:
    """Print the effective settings of the command in args.command_line, one option a line."""
    command_line = list(args.command_line) or ["check"]
    if command_line[0] in UNCONFIGURED:
        raise ConfigError(f"`{command_line[0]}` takes no settings", "config")
    found = settings_file_for(args.settings_file, args.no_config)

    def lenient() -> argparse.ArgumentParser:
        return _without_required_positionals(make_parser())

    parser = lenient()
    shown = parser.parse_args(command_line)
    effective = apply_settings(shown, parser, given_on_command_line(lenient, command_line), found)
    command = command_of(parser, shown) or command_line[0]
    options = configured_commands(parser)[command]
    print(f"settings for `{command.replace('-', ' ')}`")
    print(f"settings file: {display_path(found)}" if found else
          f"settings file: none ({CONFIG_FILE}, or a [tool.leder-audit] table in {PYPROJECT}, "
          "in the working folder or above it up to the repository's top)")
    rows = [(f"--{option.key}", _toml_value(getattr(shown, option.dest, None)), effective.sources[option.dest])
            for option in options.values()]
    width = [max(len(row[i]) for row in rows) for i in range(2)]
    for key, value, source in rows:
        print(f"  {key:{width[0]}}  {value:{width[1]}}  {source}")
    return 0


def _without_required_positionals(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """The parser, with every command's record files and other positionals made optional."""
    for sub in all_parsers(parser):
        for action in sub._actions:
            if not action.option_strings and not isinstance(action, argparse._SubParsersAction):
                action.required = False
                if action.nargs == "+":
                    action.nargs = "*"
                elif action.nargs is None:
                    action.nargs = "?"
    return parser


def _toml_value(value: Any) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'
