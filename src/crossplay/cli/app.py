"""``crossplay``: the command line. Every domain error exits 2 with its message."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text
from typer.exceptions import TyperException

from crossplay import __version__
from crossplay.cli import core_messages  # noqa: F401  (errors any command can raise)
from crossplay.cli.command_index import LazyGroup, load_all
from crossplay.cli.i18n import (
    Messages,
    active_language,
    detect_lang,
    error_text,
    on_missing_catalog,
    use_language,
)
from crossplay.cli.output import stderr
from crossplay.core.errors import CrossplayError

on_missing_catalog(load_all)

app = typer.Typer(
    cls=LazyGroup,
    name="crossplay",
    help="Co-marketing for a paid-knowledge platform and a game / streaming platform.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        print(f"crossplay {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    data_dir: Annotated[Path | None, typer.Option(
        "--data-dir", help="Data directory (env CROSSPLAY_DATA_DIR; default ./crossplay-data).",
        show_default=False)] = None,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="Language of messages: en or zh-CN (env CROSSPLAY_LANG).")] = None,
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version.")] = False,
) -> None:
    """crossplay: load both partners' logs, link, learn, recommend, campaign, measure."""
    from crossplay.cli.state import State  # settings (pydantic) only when a command runs
    from crossplay.core.settings import load_settings

    if lang is not None and lang not in ("en", "zh-CN"):
        raise CrossplayError(f"--lang {lang!r}: use en or zh-CN", code="bad_lang",
                             params={"lang": lang})
    use_language(detect_lang(lang))
    settings = load_settings(data_dir=data_dir)
    chosen = detect_lang(lang or (settings.lang if settings.lang != "en" else None))
    use_language(chosen)
    ctx.obj = State(settings=settings, msg=Messages(chosen))


def _argv_lang(args: list[str]) -> str | None:
    """``--lang`` as written on the command line, for errors raised before it is parsed."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--lang="):
            return arg.partition("=")[2]
    return None


def run(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (2 for any crossplay error, with its message)."""
    use_language(detect_lang(_argv_lang(sys.argv[1:] if argv is None else argv)))
    try:
        rv: Any = app(args=argv, prog_name="crossplay", standalone_mode=False)
    except CrossplayError as exc:
        # the message often quotes input (a path, a line of a file): printed literally
        label = Messages(active_language())("error")
        stderr().print(Text.assemble((label, "bold red"), " ", (f"({exc.code})", "dim"),
                                     ": ", error_text(exc)), highlight=False)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except typer.Abort:
        stderr().print(Messages(active_language())("cli.aborted"), highlight=False)
        return 130
    except TyperException as exc:  # usage errors: bad option, missing argument
        msg = Messages(active_language())
        show = getattr(exc, "show", None)
        if callable(show) and (msg.lang == "en" or type(exc).__name__ == "NoArgsIsHelpError"):
            show()  # Typer's own text (the help of a group run without a command)
        else:
            from crossplay.cli.usage import usage_lines

            for line in usage_lines(exc, msg):
                stderr().print(line, highlight=False)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    return int(rv) if isinstance(rv, int) else 0


def main() -> None:
    sys.exit(run())


__all__ = ["app", "main", "run"]
