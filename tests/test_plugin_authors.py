"""What plugin authors get: the example package installed and run, testing helpers,
hook wrappers, disabling built-ins, and a guide whose hook reference is never stale."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import subprocess
import sys
from collections.abc import Generator, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import REPO, WriteFiles, pip_install_into

from veracity import Claim, Document, RunReport, Verdict, hookimpl
from veracity.cli.main import main
from veracity.llm import ChatMessage, RequestRejected
from veracity.pipeline.hookdocs import REGENERATE, is_stale
from veracity.pipeline.hookspecs import describe_hooks
from veracity.pipeline.plugin_manager import build_plugin_manager
from veracity.testing import cassette_client, make_story, pipeline_with, scripted_llm

EXAMPLE = REPO / "examples" / "veracity-check-units"
GUIDE = REPO / "docs" / "plugins.md"
CONVOY = {
    "a.txt": "The convoy drove 30 kilometers (25 miles) to the border on Monday.\n",
    "b.txt": "The convoy drove 20 miles to the border on Monday.\n",
}


@pytest.fixture(scope="session")
def units_installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The example plugin package, installed: as it is in the environment when it is
    (``pip install -e examples/veracity-check-units``), else into a folder of its own for
    this test session, put on ``sys.path`` and ``PYTHONPATH``."""
    try:
        importlib.metadata.distribution("veracity-check-units")
    except importlib.metadata.PackageNotFoundError:
        pass
    else:
        yield
        return
    site = tmp_path_factory.mktemp("units-site")
    pip_install_into(EXAMPLE, site)
    with pytest.MonkeyPatch.context() as patch:
        patch.syspath_prepend(str(site))
        patch.setenv(
            "PYTHONPATH", os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        )
        yield


@pytest.fixture
def with_units(monkeypatch: pytest.MonkeyPatch, units_installed: None) -> None:
    """Load the installed ``units`` plugin (tests load no installed plugin by default)."""
    monkeypatch.setenv("VERACITY_LOAD_PLUGINS", "units")


def run_json(*arguments: str) -> RunReport:
    """``veracity run ARGUMENTS --format json --quiet``, parsed."""
    result = CliRunner().invoke(main, ["run", *arguments, "--format", "json", "--quiet"])
    assert result.exit_code in (0, 1), result.output
    return RunReport.model_validate_json(result.stdout)


def units_verdicts(report: RunReport) -> list[Verdict]:
    (story,) = report.stories
    return [verdict for verdict in story.verdicts if verdict.checker == "units"]


# -- the example package, installed ----------------------------------------------------------


def test_the_example_plugins_own_tests_pass(units_installed: None) -> None:
    env = {k: v for k, v in os.environ.items() if k != "VERACITY_LOAD_PLUGINS"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=EXAMPLE,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout


def test_veracity_plugins_lists_the_installed_example_with_its_option(with_units: None) -> None:
    result = CliRunner().invoke(main, ["plugins", "--json"])
    assert result.exit_code == 0, result.output
    listed = {plugin["name"]: plugin for plugin in json.loads(result.stdout)}
    assert listed["units"]["origin"] == "veracity-check-units 0.1.0"
    assert listed["units"]["hooks"] == ["veracity_cross_check", "veracity_register_options"]
    assert [option["name"] for option in listed["units"]["options"]] == ["units.tolerance"]


def test_the_example_plugins_findings_are_in_the_report(
    with_units: None, write_files: WriteFiles
) -> None:
    report = run_json(str(write_files(CONVOY)))
    assert "units" in report.run.plugins
    found = {(v.source_id, v.against_source_id, v.stance.value) for v in units_verdicts(report)}
    assert found == {("a", "a", "contradicts"), ("a", "b", "supports"), ("b", "a", "supports")}


def test_a_plugin_option_is_a_run_flag_that_reaches_the_plugin(
    with_units: None, write_files: WriteFiles
) -> None:
    help_text = CliRunner().invoke(main, ["run", "--help"]).stdout
    assert "--units-tolerance" in help_text
    # With no slack, 20 miles (32.2 km) cannot be 30 km.
    report = run_json(str(write_files(CONVOY)), "--units-tolerance", "0")
    found = {(v.source_id, v.against_source_id, v.stance.value) for v in units_verdicts(report)}
    assert ("b", "a", "contradicts") in found


def test_a_plugin_option_can_be_set_in_the_config_file(
    with_units: None, write_files: WriteFiles, tmp_path_factory: pytest.TempPathFactory
) -> None:
    config = tmp_path_factory.mktemp("config") / "veracity.toml"
    config.write_text("[plugins.units]\ntolerance = 0.0\n", encoding="utf-8")
    report = run_json(str(write_files(CONVOY)), "--config", str(config), "--offline")
    assert ("b", "a", "contradicts") in {
        (v.source_id, v.against_source_id, v.stance.value) for v in units_verdicts(report)
    }


def test_disable_plugin_keeps_an_installed_plugin_out_of_the_run(
    with_units: None, write_files: WriteFiles
) -> None:
    report = run_json(str(write_files(CONVOY)), "--disable-plugin", "units")
    assert "units" not in report.run.plugins
    assert units_verdicts(report) == []


def test_disable_plugin_turns_a_builtin_off_from_the_command_line(write_files: WriteFiles) -> None:
    report = run_json(str(write_files(CONVOY)), "--disable-plugin", "alignment_check")
    (story,) = report.stories
    assert "alignment_check" not in report.run.plugins
    assert story.claims, "the other built-ins still run"
    assert not [v for v in story.verdicts if v.checker == "alignment_check"]


# -- hook wrappers run around each implementation --------------------------------------------


class Counting:
    """Two extractors would be one call if the core called the hook once for all plugins."""

    def __init__(self) -> None:
        self.seen: list[list[Any]] = []

    @hookimpl(wrapper=True)
    def veracity_extract_claims(self) -> Generator[None, list[Any], list[Any]]:
        results = yield
        # The core calls each implementation on its own: a wrapper sees one plugin's result.
        self.seen.append(results)
        return results


class NoClaims:
    @hookimpl
    def veracity_extract_claims(self, document: Document) -> list[Claim]:
        return []


def test_a_hook_wrapper_runs_around_each_implementation_on_its_own() -> None:
    wrapper = Counting()
    story = make_story({"a": "The dam opened on Tuesday after ten years of work."})
    pipeline_with(wrapper, NoClaims(), builtins=("sentence_claims",)).run_story(story)
    # One document, two implementations: two calls, each with one implementation's result.
    assert len(wrapper.seen) == 2
    assert sorted(len(result) for result in wrapper.seen) == [1, 1]
    assert sorted(len(result[0]) for result in wrapper.seen) == [0, 1]


# -- veracity.testing -------------------------------------------------------------------------


def test_make_story_keeps_the_sources_in_order_and_merges_repeats() -> None:
    story = make_story({"b": "Same text.", "a": "Other text.", "c": "Same text."}, "s")
    assert story.id == "s"
    assert story.source_ids == ["b", "a"]
    assert story.documents[0].meta.duplicates == ["c"]


def test_pipeline_with_registers_only_the_chosen_builtins() -> None:
    pipeline = pipeline_with(NoClaims(), builtins=("sentence_claims", "truth_score"))
    assert [info.name for info in pipeline.plugins.plugins()] == [
        "NoClaims",
        "sentence_claims",
        "truth_score",
    ]


def test_pipeline_with_names_the_builtins_when_one_is_misspelt() -> None:
    with pytest.raises(ValueError, match="no built-in plugin named 'sentence_claim'; choose from"):
        pipeline_with(builtins=("sentence_claim",))


def test_build_plugin_manager_still_registers_every_builtin_by_default() -> None:
    assert len(build_plugin_manager(load_entry_points=False).plugins()) == len(
        build_plugin_manager(load_entry_points=False, builtins=None).plugins()
    )


def test_a_scripted_llm_answers_in_order_then_refuses() -> None:
    scripted = scripted_llm(["first answer"])
    try:
        message = [ChatMessage(role="user", content="hello")]
        assert scripted.client.chat_sync(message, purpose="test").text == "first answer"
        with pytest.raises(RequestRejected, match="no answer left"):
            scripted.client.chat_sync(message, purpose="test")
        assert [body["messages"][0]["content"] for body in scripted.requests] == ["hello"] * 2
    finally:
        scripted.close()


def test_a_cassette_client_sends_each_call_once_to_the_replay_address() -> None:
    client = cassette_client({})
    try:
        settings = client.settings
        assert (settings.base_url, settings.model) == ("http://127.0.0.1:8080/v1", "test-model")
        # No cache and no retries: each call is exactly one request of the cassette.
        assert (settings.cache_enabled, settings.max_retries) == (False, 0)
    finally:
        client.close()


# -- the guide ---------------------------------------------------------------------------------


def test_the_hook_reference_in_the_guide_matches_the_hookspecs() -> None:
    assert not is_stale(GUIDE), (
        f"docs/plugins.md's hook reference is stale; regenerate it with `{REGENERATE}`"
    )


def _runnable_examples() -> list[str]:
    """The guide's Python blocks that check themselves (an ``assert`` at top level)."""
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.DOTALL)
    return [block for block in blocks if re.search(r"^assert ", block, re.MULTILINE)]


def test_the_guide_has_a_runnable_example_for_every_hook() -> None:
    examples = "\n".join(_runnable_examples())
    for hook in describe_hooks():
        assert f"def {hook}(" in examples, f"docs/plugins.md has no runnable example of {hook}"


@pytest.mark.parametrize("number", range(len(_runnable_examples())))
def test_the_guides_example_runs(number: int) -> None:
    example = _runnable_examples()[number]
    exec(compile(example, f"docs/plugins.md example {number + 1}", "exec"), {"__name__": "example"})


def _tutorial_blocks(language: str) -> list[str]:
    """The tutorial's code blocks in ``language``, in the order a reader meets them."""
    guide = GUIDE.read_text(encoding="utf-8")
    tutorial = guide[guide.index("## Tutorial") : guide.index("## How plugins are registered")]
    return re.findall(rf"```{language}\n(.*?)```", tutorial, re.DOTALL)


def test_the_tutorial_goes_from_an_empty_folder_to_an_installed_tested_plugin(
    tmp_path: Path,
) -> None:
    module, conftest, test_module = _tutorial_blocks("python")
    (pyproject,) = _tutorial_blocks("toml")
    folder = tmp_path / "veracity-csv"
    (folder / "tests").mkdir(parents=True)
    (folder / "veracity_csv.py").write_text(module, encoding="utf-8")
    (folder / "pyproject.toml").write_text(pyproject, encoding="utf-8")
    (folder / "tests" / "conftest.py").write_text(conftest, encoding="utf-8")
    (folder / "tests" / "test_csv.py").write_text(test_module, encoding="utf-8")
    site = tmp_path / "site"
    pip_install_into(folder, site)
    env = {k: v for k, v in os.environ.items() if k != "VERACITY_LOAD_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(site), env.get("PYTHONPATH")]))

    def run(*command: str) -> str:
        result = subprocess.run(
            command, cwd=folder, env=env, capture_output=True, text=True, timeout=240, check=False
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        return result.stdout

    listed = json.loads(run(sys.executable, "-m", "veracity", "plugins", "--json"))
    (csv_plugin,) = [plugin for plugin in listed if plugin["name"] == "csv"]
    assert csv_plugin["origin"] == "veracity-csv 0.1.0"
    (folder / "a.txt").write_text("The bridge opened on Monday. It cost 40 million euros.\n")
    (folder / "b.txt").write_text("The bridge opened on Monday. It cost 45 million euros.\n")
    rows = run(
        sys.executable, "-m", "veracity", "run", "a.txt", "b.txt", "--format", "csv", "--quiet"
    )
    assert "contradicts,number" in rows
    assert " passed" in run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider")
