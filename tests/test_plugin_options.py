"""Options plugins declare: run flags, config keys, precedence, and mistakes as messages."""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from click.testing import CliRunner
from support import WriteFiles

from veracity import Claim, ConfigurationError, Story, hookimpl
from veracity.cli.main import main
from veracity.pipeline.context import StageContext
from veracity.pipeline.plugin_options import (
    PluginOption,
    collect_options,
    read_plugin_config,
    resolve_options,
)
from veracity.testing import make_story, pipeline_with

LIMIT = PluginOption(name="demo.limit", type="int", default=3, help="How many.")
LOUD = PluginOption(name="demo.loud", type="bool", help="Shout.")


class Demo:
    """Declares two options and records what its hooks were given."""

    def __init__(self) -> None:
        self.seen: dict[str, Any] = {}

    @hookimpl
    def veracity_register_options(self) -> list[PluginOption]:
        return [LIMIT, LOUD]

    @hookimpl
    def veracity_extract_claims(self, context: StageContext) -> list[Claim]:
        self.seen = dict(context.settings.plugin_options)
        return []


def test_an_option_is_named_for_its_plugin_and_becomes_a_flag() -> None:
    assert (LIMIT.flag, LIMIT.plugin, LIMIT.key) == ("--demo-limit", "demo", "limit")
    assert LOUD.default is False, "a bool option is a flag, off unless given"


@pytest.mark.parametrize("name", ["limit", "Demo.limit", "demo..limit", "demo.limit-2"])
def test_an_option_name_must_be_dotted_lower_case_words(name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        PluginOption(name=name, help="x")


def test_a_default_of_the_wrong_type_is_refused() -> None:
    with pytest.raises(ValueError, match=r"option demo\.limit takes a int"):
        PluginOption(name="demo.limit", type="int", default="3", help="x")


def test_the_command_line_beats_the_config_file_which_beats_the_default() -> None:
    declared = [LIMIT, LOUD, PluginOption(name="demo.ratio", type="float", default=0.5, help="r")]
    values = resolve_options(
        declared, given={"demo.limit": 7}, config={"demo.limit": 5, "demo.ratio": 1}
    )
    assert values == {"demo.limit": 7, "demo.loud": False, "demo.ratio": 1.0}


def test_a_misspelt_config_key_of_a_loaded_plugin_is_an_error() -> None:
    with pytest.raises(
        ConfigurationError, match=r"unknown plugin setting 'demo\.limt'.*demo\.limit"
    ):
        resolve_options([LIMIT], config={"demo.limt": 5})


def test_config_keys_of_a_plugin_not_loaded_are_ignored() -> None:
    assert resolve_options([LIMIT], config={"other.limit": 5}) == {"demo.limit": 3}


def test_a_config_value_of_the_wrong_type_is_an_error() -> None:
    with pytest.raises(ConfigurationError, match="takes a int, not str '5'"):
        resolve_options([LIMIT], config={"demo.limit": "5"})


def test_the_config_files_plugin_tables_are_read_as_dotted_names(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[llm]\nmodel = "m"\n[plugins.demo]\nlimit = 5\n[plugins]\n"other.flag" = true\n',
        encoding="utf-8",
    )
    assert read_plugin_config(config) == {"demo.limit": 5, "other.flag": True}


def test_a_plugin_that_fails_to_declare_its_options_is_a_warning() -> None:
    class Broken:
        @hookimpl
        def veracity_register_options(self) -> list[PluginOption]:
            raise RuntimeError("boom")

    declared = collect_options(pipeline_with(Broken(), Demo()).plugins)
    assert [option.name for option in declared.options] == ["demo.limit", "demo.loud"]
    assert declared.warnings == [
        "plugin 'Broken' failed in veracity_register_options: RuntimeError: boom"
    ]


def test_an_option_declared_twice_keeps_the_first_plugin_by_name() -> None:
    class Again:
        @hookimpl
        def veracity_register_options(self) -> list[PluginOption]:
            return [LIMIT]

    declared = collect_options(pipeline_with(Demo(), Again()).plugins)
    assert list(declared.by_plugin) == ["Again", "Demo"]
    assert declared.by_plugin["Demo"] == [LOUD]
    assert (
        "'Demo' declares option 'demo.limit', which plugin 'Again' declares already"
        in (declared.warnings[0])
    )


def test_option_values_reach_the_hooks_through_the_context() -> None:
    demo = Demo()
    story: Story = make_story({"a": "One sentence about a dam that opened."})
    pipeline_with(demo, plugin_options={"demo.limit": 9}).run_story(story)
    assert demo.seen == {"demo.limit": 9}


def install(monkeypatch: pytest.MonkeyPatch, plugin: object) -> None:
    """Make ``plugin`` look installed under the entry point ``demo``."""
    entry_point = SimpleNamespace(name="demo", value="demo:plugin", dist=None, load=lambda: plugin)
    monkeypatch.setattr(
        importlib.metadata,
        "entry_points",
        lambda group: [entry_point] if group == "veracity" else [],
    )
    monkeypatch.setenv("VERACITY_LOAD_PLUGINS", "demo")


def test_veracity_run_takes_the_flags_of_installed_plugins(
    monkeypatch: pytest.MonkeyPatch, write_files: WriteFiles
) -> None:
    demo = Demo()
    install(monkeypatch, demo)
    folder = write_files({"a.txt": "The dam opened on Tuesday after ten years of work.\n"})
    result = CliRunner().invoke(
        main, ["run", str(folder), "--demo-limit", "4", "--demo-loud", "-q"]
    )
    assert result.exit_code == 0, result.output
    assert demo.seen == {"demo.limit": 4, "demo.loud": True}


def test_run_help_lists_plugin_flags_with_their_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, Demo())
    help_text = CliRunner().invoke(main, ["run", "--help"]).stdout
    assert "--demo-limit INTEGER" in help_text
    assert "--demo-loud / --no-demo-loud" in help_text


def test_a_bad_flag_value_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, write_files: WriteFiles
) -> None:
    install(monkeypatch, Demo())
    folder = write_files({"a.txt": "The dam opened on Tuesday after ten years of work.\n"})
    result = CliRunner().invoke(main, ["run", str(folder), "--demo-limit", "many"])
    assert result.exit_code == 2
    assert "'many' is not a valid integer" in result.stderr


def test_veracity_plugins_shows_each_plugins_options(monkeypatch: pytest.MonkeyPatch) -> None:
    install(monkeypatch, Demo())
    listed = json.loads(CliRunner().invoke(main, ["plugins", "--json"]).stdout)
    (demo,) = [plugin for plugin in listed if plugin["name"] == "demo"]
    assert demo["options"] == [
        {"name": "demo.limit", "type": "int", "default": 3, "help": "How many."},
        {"name": "demo.loud", "type": "bool", "default": False, "help": "Shout."},
    ]
