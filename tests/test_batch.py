"""Batch runs write each story as it finishes, resume after a crash and gate on findings."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from support import SEEDS

from veracity import Document, Pipeline
from veracity.cli.main import main
from veracity.cli.output import INDEX_NAME, BatchDirectory, IndexEntry, file_stem
from veracity.pipeline.context import StageContext

DAM = "The dam on the Kora river opened on Tuesday after three years of delays, officials said."
DAM_COPY = "The dam on the Kora river opened on Tuesday, three years late, officials said."
DAM_WRONG = (
    "The dam on the Kora river opened on Tuesday after five years of delays, officials said."
)


def make_batch(root: Path, stories: int) -> Path:
    """A directory of ``stories`` two-source story directories, each a little different."""
    batch = root / "batch"
    for number in range(stories):
        story = batch / f"story-{number:03d}"
        story.mkdir(parents=True)
        (story / "a.txt").write_text(
            f"{DAM} It cost {number + 10} million euros.", encoding="utf-8"
        )
        (story / "b.txt").write_text(
            f"{DAM_COPY} It cost {number + 10} million euros.", encoding="utf-8"
        )
    return batch


def index_lines(out: Path) -> list[dict[str, object]]:
    return [
        json.loads(line) for line in (out / INDEX_NAME).read_text(encoding="utf-8").splitlines()
    ]


def test_a_directory_out_gets_a_report_per_story_and_an_index(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 3)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(batch), "--out", str(out), "-f", "json", "-f", "md"]
    )
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == [
        "run.jsonl",
        *sorted(f"story-00{n}.{ext}" for n in range(3) for ext in ("json", "md")),
    ]
    # One line per story as each finishes: worker processes finish in no fixed order.
    assert sorted(entry["story_id"] for entry in index_lines(out)) == [
        "story-000",
        "story-001",
        "story-002",
    ]


def test_a_second_run_skips_the_finished_stories(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 3)
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    again = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert again.exit_code == 0
    assert again.stderr.count("already done, skipped") == 3
    assert len(index_lines(out)) == 3


def test_a_changed_story_runs_again(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 2)
    out = tmp_path / "out"
    CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    (batch / "story-001" / "b.txt").write_text(DAM_WRONG, encoding="utf-8")
    again = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert again.stderr.count("already done, skipped") == 1
    assert [entry["story_id"] for entry in index_lines(out)][-1] == "story-001"


def test_a_killed_batch_resumes_without_redoing_finished_stories(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 50)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "veracity",
        "run",
        str(batch),
        "--out",
        str(out),
        "--story-concurrency",
        "1",
    ]
    environment = {**os.environ, "VERACITY_LOAD_PLUGINS": ""}
    process = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        if (out / INDEX_NAME).exists() and len(index_lines(out)) >= 5:
            break
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    process.wait()
    finished = {str(entry["story_id"]) for entry in index_lines(out)}
    assert 5 <= len(finished) < 50, "the kill should land mid-batch"
    before = {story: (out / f"{file_stem(story)}.json").stat().st_mtime_ns for story in finished}

    resumed = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stderr.count("already done, skipped") == len(finished)
    assert {str(entry["story_id"]) for entry in index_lines(out)} == {
        f"story-{n:03d}" for n in range(50)
    }
    assert all(
        (out / f"{file_stem(story)}.json").stat().st_mtime_ns == mtime
        for story, mtime in before.items()
    )


def test_fail_on_a_kind_of_finding_exits_with_1(tmp_path: Path) -> None:
    story = tmp_path / "dam"
    story.mkdir()
    (story / "a.txt").write_text(DAM, encoding="utf-8")
    (story / "b.txt").write_text(DAM_WRONG, encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(story), "--fail-on", "number", "-q"])
    assert result.exit_code == 1


def test_fail_on_is_quiet_when_nothing_is_found(tmp_path: Path) -> None:
    story = tmp_path / "dam"
    story.mkdir()
    (story / "a.txt").write_text(DAM, encoding="utf-8")
    (story / "b.txt").write_text(DAM_COPY, encoding="utf-8")
    assert (
        CliRunner().invoke(main, ["run", str(story), "--fail-on", "contradiction", "-q"]).exit_code
        == 0
    )


def test_a_dash_reads_jsonl_from_standard_input() -> None:
    lines = "\n".join(
        json.dumps({"story": "dam", "id": name, "text": text})
        for name, text in (("a", DAM), ("b", DAM_COPY))
    )
    result = CliRunner().invoke(main, ["run", "-", "--format", "json", "-q"], input=lines)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["stories"][0]["story"]["id"] == "dam"


def test_several_formats_need_a_directory(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["run", str(SEEDS), "--out", str(tmp_path / "r.json"), "-f", "json", "-f", "md"]
    )
    assert result.exit_code == 2
    assert "several --format values need a directory --out" in result.stderr


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_keeps_the_finished_stories(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 50)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "veracity",
        "run",
        str(batch),
        "--out",
        str(out),
        "--story-concurrency",
        "1",
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, "VERACITY_LOAD_PLUGINS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (
        (out / INDEX_NAME).exists() and len(index_lines(out)) >= 3
    ):
        time.sleep(0.005)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr
    for entry in index_lines(out):
        assert (out / f"{file_stem(str(entry['story_id']))}.json").exists()


def test_sigterm_stops_gracefully_and_keeps_finished_stories(tmp_path: Path) -> None:
    batch = make_batch(tmp_path, 50)
    out = tmp_path / "out"
    command = [
        sys.executable,
        "-m",
        "veracity",
        "run",
        str(batch),
        "--out",
        str(out),
        "--story-concurrency",
        "1",
    ]
    process = subprocess.Popen(
        command,
        env={**os.environ, "VERACITY_LOAD_PLUGINS": ""},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while (
        process.poll() is None
        and time.monotonic() < deadline
        and not ((out / INDEX_NAME).exists() and len(index_lines(out)) >= 3)
    ):
        time.sleep(0.005)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert all(
        (out / f"{file_stem(str(entry['story_id']))}.json").exists() for entry in index_lines(out)
    )


def test_a_batch_reads_its_stories_as_it_runs_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A batch bigger than memory must not be read whole before the first story is written.
    events: list[str] = []
    load_documents = Pipeline.load_documents
    write_texts = BatchDirectory.write_texts

    def reading(self: Pipeline, path: Path, context: StageContext | None = None) -> list[Document]:
        events.append(f"read {path.parent.name}")
        return load_documents(self, path, context)

    def writing(
        self: BatchDirectory, story_id: str, texts: dict[str, str], **entry: Any
    ) -> IndexEntry:
        events.append(f"wrote {story_id}")
        return write_texts(self, story_id, texts, **entry)

    monkeypatch.setattr(Pipeline, "load_documents", reading)
    monkeypatch.setattr(BatchDirectory, "write_texts", writing)
    batch = make_batch(tmp_path, 20)
    # Inline, the stories are read in this process (a worker process reads its own).
    command = ["run", str(batch), "--out", str(tmp_path / "out"), "--story-concurrency", "1"]
    result = CliRunner().invoke(main, [*command, "--executor", "inline"])
    assert result.exit_code == 0, result.output
    assert events.index("wrote story-000") < events.index("read story-019")


def a_story_with_a_wrong_number(root: Path) -> Path:
    """A batch of one story whose second source changes a number of the first."""
    story = root / "batch" / "dam"
    story.mkdir(parents=True)
    (story / "a.txt").write_text(DAM, encoding="utf-8")
    (story / "b.txt").write_text(DAM_WRONG, encoding="utf-8")
    return story.parent


@pytest.mark.parametrize("fail_on", ["contradiction", "number"])
def test_item_2_a_rerun_that_skips_a_failing_story_still_fails_the_gate(
    tmp_path: Path, fail_on: str
) -> None:
    """Issue 15 item 2: a story skipped as done counts toward --fail-on from its findings."""
    batch = a_story_with_a_wrong_number(tmp_path)
    command = ["run", str(batch), "--out", str(tmp_path / "out"), "--fail-on", fail_on]
    assert CliRunner().invoke(main, command).exit_code == 1
    again = CliRunner().invoke(main, command)
    assert "already done, skipped" in again.stderr
    assert again.exit_code == 1, again.output


def test_item_2_a_skipped_story_without_that_kind_of_finding_passes_the_gate(
    tmp_path: Path,
) -> None:
    """Issue 15 item 2: only the recorded findings of the asked kind fail a re-run."""
    batch = a_story_with_a_wrong_number(tmp_path)
    command = ["run", str(batch), "--out", str(tmp_path / "out"), "--fail-on", "date"]
    assert CliRunner().invoke(main, command).exit_code == 0
    again = CliRunner().invoke(main, command)
    assert "already done, skipped" in again.stderr
    assert again.exit_code == 0, again.output


def two_source_story(directory: Path, number: int = 10) -> Path:
    directory.mkdir(parents=True)
    (directory / "a.txt").write_text(f"{DAM} It cost {number} million euros.", encoding="utf-8")
    (directory / "b.txt").write_text(
        f"{DAM_COPY} It cost {number} million euros.", encoding="utf-8"
    )
    return directory


RUSSIAN_HEADLINE = (
    "Плотина на реке Кора открылась во вторник после трёх лет задержек, сообщили "
    "официальные лица региона и представители строител"
)


def test_item_4_a_long_story_name_gets_a_short_stable_file_name(tmp_path: Path) -> None:
    """Issue 15 item 4: a 125-character Russian headline as a story name (232 bytes) is written
    under a name shortened by bytes, and a re-run finds it."""
    assert len(RUSSIAN_HEADLINE) == 125 and len(RUSSIAN_HEADLINE.encode()) == 232
    batch = tmp_path / "batch"
    two_source_story(batch / RUSSIAN_HEADLINE)
    two_source_story(batch / "short", 11)
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["run", str(batch), "--out", str(out), "-f", "json"])
    assert first.exit_code == 0, first.output
    assert {entry["story_id"] for entry in index_lines(out)} == {RUSSIAN_HEADLINE, "short"}
    assert all(len(path.name.encode()) <= 200 for path in out.iterdir())
    again = CliRunner().invoke(main, ["run", str(batch), "--out", str(out), "-f", "json"])
    assert again.stderr.count("already done, skipped") == 2


def test_item_4_a_story_that_cannot_be_written_is_reported_and_the_batch_goes_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 item 4: one story whose report cannot be written fails alone."""
    import veracity.cli.output

    write = veracity.cli.output.write_atomically

    def refuse_story_1(path: Path, text: str) -> None:
        if path.name.startswith("story-001"):
            raise OSError(36, "File name too long")
        write(path, text)

    monkeypatch.setattr(veracity.cli.output, "write_atomically", refuse_story_1)
    batch = make_batch(tmp_path, 3)
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "story-001" in result.stderr and "File name too long" in result.stderr
    # Stories finish in any order on the process pool: run.jsonl lists them as they do.
    assert sorted((entry["story_id"], entry["status"]) for entry in index_lines(out)) == [
        ("story-000", "done"),
        ("story-001", "failed"),
        ("story-002", "done"),
    ]


def test_item_5_stories_of_the_same_name_in_two_batches_get_a_report_each(
    tmp_path: Path,
) -> None:
    """Issue 15 item 5: ``dupA/world`` and ``dupB/world`` do not write the same report."""
    two_source_story(tmp_path / "dupA" / "world", 10)
    two_source_story(tmp_path / "dupB" / "world", 20)
    out = tmp_path / "out"
    command = ["run", str(tmp_path / "dupA"), str(tmp_path / "dupB"), "--out", str(out)]
    first = CliRunner().invoke(main, command)
    assert first.exit_code == 0, first.output
    assert sorted(str(entry["story_id"]) for entry in index_lines(out)) == [
        "dupA/world",
        "dupB/world",
    ]
    reports = sorted(out.glob("*.json"))
    assert len(reports) == 2
    texts = [path.read_text(encoding="utf-8") for path in reports]
    assert any("10 million euros" in text for text in texts)
    assert any("20 million euros" in text for text in texts)
    again = CliRunner().invoke(main, command)
    assert again.stderr.count("already done, skipped") == 2, again.stderr


@pytest.mark.parametrize(
    "names", [("x y", "x_y-" + file_stem("x y").rsplit("-", 1)[1]), ("A", "a")]
)
def test_item_5_story_names_that_sanitize_or_case_fold_alike_get_distinct_files(
    tmp_path: Path, names: tuple[str, str]
) -> None:
    """Issue 15 item 5: output names are unique per story after sanitizing and case folding."""
    stories = {
        name: {"a": f"{DAM} It cost {number} million euros.", "b": DAM_COPY}
        for number, name in enumerate(names)
    }
    batch = tmp_path / "batch.jsonl"
    batch.write_text(
        "".join(
            json.dumps({"story": story, "id": doc_id, "text": text}) + "\n"
            for story, documents in stories.items()
            for doc_id, text in documents.items()
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert result.exit_code == 0, result.output
    files = [name for entry in index_lines(out) for name in entry["files"]]  # type: ignore[attr-defined]
    assert len({name.casefold() for name in files}) == 2
    again = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert again.stderr.count("already done, skipped") == 2, again.stderr


def test_item_11_a_cut_off_last_line_of_the_index_does_not_swallow_the_next_entry(
    tmp_path: Path,
) -> None:
    """Issue 15 item 11: an append starts on a new line when the index does not end with
    one (a run killed mid-append), and the broken line is skipped with a warning."""
    batch = make_batch(tmp_path, 2)
    out = tmp_path / "out"
    assert CliRunner().invoke(main, ["run", str(batch), "--out", str(out)]).exit_code == 0
    index = out / INDEX_NAME
    first, second = index.read_text(encoding="utf-8").splitlines()
    index.write_text(first + "\n" + second[: len(second) // 2], encoding="utf-8")  # killed
    again = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert again.exit_code == 0, again.output
    assert f"{INDEX_NAME} line 2" in again.stderr and "skipped" in again.stderr
    third = CliRunner().invoke(main, ["run", str(batch), "--out", str(out)])
    assert third.stderr.count("already done, skipped") == 2, third.stderr


def test_item_12_a_batch_named_by_a_relative_then_an_absolute_path_is_not_run_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 15 item 12: the input path as typed is not part of the resume fingerprint."""
    batch = make_batch(tmp_path, 2)
    out = tmp_path / "out"
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["run", "batch", "--out", "out"]).exit_code == 0
    again = CliRunner().invoke(main, ["run", str(batch.resolve()), "--out", str(out)])
    assert again.stderr.count("already done, skipped") == 2, again.stderr


class _TerminatedWhileReading(io.RawIOBase):
    """Standard input that sends the process SIGTERM when the command starts reading it:
    a stop that arrives while the run is still starting."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        os.kill(os.getpid(), signal.SIGTERM)
        return 0


class _SigtermNotHandled(Exception):
    pass


def test_item_12_sigterm_while_the_run_starts_exits_130(tmp_path: Path) -> None:
    """Issue 15 item 12: SIGTERM before any story runs (here: while standard input is read)
    exits 130 like Ctrl-C, not -15, and veracity gives the handler it replaced back."""

    def not_handled(signum: int, frame: object) -> None:
        raise _SigtermNotHandled

    previous = signal.signal(signal.SIGTERM, not_handled)
    try:
        result = CliRunner().invoke(
            main,
            ["run", "-", "--out", str(tmp_path / "out")],
            input=io.BufferedReader(_TerminatedWhileReading()),
        )
        assert signal.getsignal(signal.SIGTERM) is not_handled
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert not isinstance(result.exception, _SigtermNotHandled), "veracity let SIGTERM through"
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.stderr


@pytest.mark.parametrize("format_name", ["json", "html", "md"])
def test_item_13_a_quiet_batch_to_a_directory_prints_nothing_on_stdout(
    tmp_path: Path, format_name: str
) -> None:
    """Issue 15 item 13: ``--out DIR -q -f json`` writes the reports to DIR and no empty
    report to stdout."""
    batch = make_batch(tmp_path, 2)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["run", str(batch), "--out", str(out), "-q", "-f", format_name]
    )
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert len(list(out.glob(f"*.{format_name}"))) == 2


def test_item_16_a_batch_folder_with_loose_files_runs_its_stories_and_lists_the_files(
    tmp_path: Path,
) -> None:
    """Issue 15 item 16: a SOURCES.md and a labels.jsonl beside the story folders are listed
    as skipped, not read as stories that fail the run."""
    batch = make_batch(tmp_path, 2)
    (batch / "SOURCES.md").write_text("Where the articles come from.\n", encoding="utf-8")
    (batch / "labels.jsonl").write_text('{"story": "story-000", "label": "ok"}\n', "utf-8")
    result = CliRunner().invoke(main, ["run", str(batch), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(entry["story_id"] for entry in index_lines(tmp_path / "out")) == [
        "story-000",
        "story-001",
    ]
    assert "SOURCES.md" in result.stderr and "labels.jsonl" in result.stderr
    assert "skipped" in result.stderr
