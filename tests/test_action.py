"""The GitHub Action (``action.yml``) and the example workflows of docs/ci.md.

They are checked four ways: against GitHub's published schemas (check-jsonschema's
built-in copies, offline), their shell scripts with ``bash -n``, every option and
expression they name against what exists, and the action's steps run here as a runner
would run them, on a tiny selection of cases.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from zarr_conformance.cli import build_parser
from zarr_conformance.runspec import OPTIONS

ROOT = Path(__file__).parent.parent
ACTION = ROOT / "action.yml"
EXAMPLES = sorted((ROOT / "docs" / "examples").glob("*.yml"))
CI_DOC = ROOT / "docs" / "ci.md"
MODES = ("suites", "interop-write", "interop-read", "report")


def schema_errors(path: Path, schema: str) -> str | None:
    """What check-jsonschema finds wrong with ``path`` against GitHub's ``schema``; None when it is valid."""
    completed = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", f"vendor.{schema}", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return None if completed.returncode == 0 else completed.stdout + completed.stderr


def action() -> dict[str, Any]:
    return yaml.safe_load(ACTION.read_text())


def test_there_are_two_examples():
    assert [p.name for p in EXAMPLES] == ["conformance.yml", "matrix-fanout.yml"]


def test_action_follows_the_github_actions_schema():
    assert schema_errors(ACTION, "github-actions") is None


@pytest.mark.parametrize("workflow", EXAMPLES, ids=lambda p: p.name)
def test_example_workflow_follows_the_github_workflows_schema(workflow):
    assert schema_errors(workflow, "github-workflows") is None


def test_the_schemas_reject_broken_copies(tmp_path):
    broken_action = tmp_path / "action.yml"
    broken_action.write_text(ACTION.read_text().replace("\nruns:", "\nrnus:"))
    assert "'rnus' was unexpected" in (schema_errors(broken_action, "github-actions") or "")
    broken_workflow = tmp_path / "workflow.yml"
    broken_workflow.write_text(EXAMPLES[0].read_text().replace("        with:", "        wiht:"))
    assert schema_errors(broken_workflow, "github-workflows") is not None


# ---- the shell scripts -------------------------------------------------------------------------


def run_scripts(document: dict[str, Any]) -> list[str]:
    return [step["run"] for step in document["runs"]["steps"] if "run" in step]


def bash_errors(script: str) -> str:
    completed = subprocess.run(["bash", "-n"], input=script, capture_output=True, text=True, timeout=30)
    return completed.stderr


def test_run_scripts_are_valid_bash():
    scripts = run_scripts(action())
    assert len(scripts) >= 4
    for script in scripts:
        assert bash_errors(script) == ""
    assert "syntax error" in bash_errors(scripts[-1].replace("; fi", "", 1)), "bash -n sees a broken script"


# ---- what the action and the examples name exists ----------------------------------------------


def plugin_flags() -> set[str]:
    return {o.plugin_flag for o in OPTIONS if o.plugin or o.pytest_flag}


def command_flags() -> dict[str, set[str]]:
    """Each zarr-conformance command's option flags."""
    import argparse

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return {
        name: {flag for action in sub._actions for flag in action.option_strings}
        for name, sub in commands.choices.items()
    }


def unknown_options(text: str) -> list[str]:
    """The --zarr-* flags and zarr-conformance command options that ``text`` uses but the kit does not have."""
    unknown = [flag for flag in re.findall(r"--zarr-[a-z-]+", text) if flag not in plugin_flags()]
    flags = command_flags()
    for command, rest in re.findall(r"zarr-conformance (\w[\w-]*)([^\n]*)", text):
        if command not in flags:
            unknown.append(f"zarr-conformance {command}")
            continue
        unknown += [f"{command} {f}" for f in re.findall(r"(?<![\w-])--[a-z][a-z-]*", rest) if f not in flags[command]]
    return unknown


def test_action_uses_only_options_the_kit_has():
    text = "\n".join(run_scripts(action()))
    assert "--zarr-impl" in text and "zarr-conformance report" in text and "zarr-conformance fixtures" in text
    assert unknown_options(text) == []
    drifted = text.replace("--zarr-strict", "--zarr-strictly").replace("--interop)", "--interop-stores)")
    assert unknown_options(drifted) == ["--zarr-strictly", "fixtures --interop-stores"]


def expression_problems(document: dict[str, Any]) -> list[str]:
    """Expressions naming an input that is not declared, or a step output that no step writes."""
    text = yaml.safe_dump(document["runs"])
    declared = set(document["inputs"])
    problems = [f"inputs.{name}" for name in re.findall(r"inputs\.([\w-]+)", text) if name not in declared]
    written: dict[str, set[str]] = {}
    for step in document["runs"]["steps"]:
        if "id" in step:
            written[step["id"]] = set(re.findall(r'echo "([\w-]+)=', step.get("run", "")))
    for step_id, output in re.findall(
        r"steps\.([\w-]+)\.outputs\.([\w-]+)", text + yaml.safe_dump(document["outputs"])
    ):
        if output not in written.get(step_id, set()):
            problems.append(f"steps.{step_id}.outputs.{output}")
    return problems


def test_action_expressions_name_declared_inputs_and_outputs():
    document = action()
    assert expression_problems(document) == []
    broken = yaml.safe_load(ACTION.read_text().replace("inputs.artifact-name }}", "inputs.artefact-name }}"))
    broken["runs"]["steps"][1]["run"] = broken["runs"]["steps"][1]["run"].replace('echo "junit=', 'echo "xml=')
    assert sorted(set(expression_problems(broken))) == ["inputs.artefact-name", "steps.paths.outputs.junit"]


def uses_of_the_action(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow["jobs"].values()
        for step in job["steps"]
        if re.fullmatch(r"[\w-]+/zarr-conformance@[\w.-]+", step.get("uses", ""))
    ]


def usage_problems(workflow: dict[str, Any]) -> list[str]:
    declared = set(action()["inputs"])
    problems = []
    for step in uses_of_the_action(workflow):
        given = step.get("with", {})
        problems += [f"unknown input {key}" for key in given if key not in declared]
        mode = given.get("mode", "suites")
        if mode not in MODES:
            problems.append(f"unknown mode {mode}")
        if mode != "report" and not given.get("impl"):
            problems.append(f"mode {mode} without impl")
    return problems


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_give_the_action_inputs_it_has(path):
    workflow = yaml.safe_load(path.read_text())
    assert uses_of_the_action(workflow), "the example uses the action"
    assert usage_problems(workflow) == []
    step = uses_of_the_action(workflow)[0]
    step["with"]["artefact-name"] = step["with"].pop("artifact-name")
    step["with"]["mode"] = "interop"
    assert usage_problems(workflow) == ["unknown input artefact-name", "unknown mode interop"]


def test_every_mode_the_action_accepts_is_documented():
    paths_step = action()["runs"]["steps"][1]["run"]
    assert re.search(r"^\s*suites\|interop-write\|interop-read\|report\)", paths_step, re.M)
    assert all(mode in action()["inputs"]["mode"]["description"] for mode in MODES)


def test_fanout_example_covers_every_phase():
    workflow = yaml.safe_load((ROOT / "docs" / "examples" / "matrix-fanout.yml").read_text())
    modes = [step["with"].get("mode") for step in uses_of_the_action(workflow)]
    assert modes == ["interop-write", "interop-read", "report"]
    read = workflow["jobs"]["read"]["strategy"]["matrix"]["include"]
    written = workflow["jobs"]["write"]["strategy"]["matrix"]["include"]
    assert {"name": "reference", "impl": "reference"} in read and all(w in read for w in written)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_ci_doc_shows_the_example_verbatim(path):
    fences = re.findall(r"```yaml\n(.*?)```", CI_DOC.read_text(), re.S)
    assert path.read_text() in fences, f"docs/ci.md does not hold {path.name} as it is"


# ---- the action's steps, run as a runner runs them ------------------------------------------


class Runner:
    """Runs the action's ``run`` steps with bash, as GitHub's runner would: env, GITHUB_OUTPUT, step outputs.

    The kit is already installed here, so the install step is left out; ``if`` conditions
    are those of the modes the tests run.
    """

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.summary = workdir / "summary.md"
        self.summary.touch()

    def run(self, inputs: dict[str, str], steps: tuple[str, ...]) -> dict[str, int]:
        document = action()
        values = {name: str(spec.get("default", "")) for name, spec in document["inputs"].items()} | inputs
        outputs: dict[str, dict[str, str]] = {}
        codes: dict[str, int] = {}

        def expand(text: str) -> str:
            text = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: values[m.group(1)], text)
            return re.sub(
                r"\$\{\{\s*steps\.([\w-]+)\.outputs\.([\w-]+)\s*\}\}",
                lambda m: outputs.get(m.group(1), {}).get(m.group(2), ""),
                text,
            )

        for step in document["runs"]["steps"]:
            name = step.get("id") or step.get("name", "")
            if name not in steps:
                continue
            output = self.workdir / f"output-{name}"
            output.write_text("")
            env = {key: expand(str(value)) for key, value in step.get("env", {}).items()}
            env |= {
                "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]]),
                "HOME": os.environ.get("HOME", str(self.workdir)),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_ACTION_PATH": str(ROOT),
            }
            completed = subprocess.run(
                ["bash", "-e", "-o", "pipefail", "-c", step["run"]],
                cwd=self.workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            codes[name] = completed.returncode
            if completed.returncode not in (0, 1):
                raise AssertionError(
                    f"step {name} exited {completed.returncode}:\n{completed.stdout}{completed.stderr}"
                )
            outputs[name] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        return codes


RUN = ("paths", "Conformance suites", "HTML report")


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_steps_run_the_fanout_and_merge_it(tmp_path, fixture_cache):
    """A writer job, a reader job (the reference reader) and the merging job, each with the action's own steps."""
    pytest.importorskip("zarr")
    runner = Runner(tmp_path)
    common = {"cases": "^v3-int32$", "extra-args": f"--zarr-cache-dir {fixture_cache} -p no:cacheprovider -q"}
    codes = runner.run(
        {"mode": "interop-write", "impl": "zarr-python", "artifact-name": "results-zarr-python", **common}, RUN
    )
    assert codes == {"paths": 0, "Conformance suites": 0, "HTML report": 0}
    written = tmp_path / "zarr-conformance"
    assert (written / "results-zarr-python.json").exists() and (written / "results-zarr-python.xml").exists()
    assert (written / "results-zarr-python-report" / "matrix.html").exists()
    assert (written / "stores" / "results-zarr-python" / "manifest.json").exists()
    # the reader's job: the writers' stores as download-artifact lays them out
    shutil.copytree(written / "stores", tmp_path / "stores")
    codes = runner.run(
        {"mode": "interop-read", "impl": "reference", "artifact-name": "results-read-reference", **common}, RUN
    )
    assert codes["Conformance suites"] == 0
    assert (tmp_path / "stores" / "reference-writer" / "manifest.json").exists(), "the reference writer's stores"
    # the last job: every job's results file in one folder
    (tmp_path / "results").mkdir()
    for name in ("results-zarr-python.json", "results-read-reference.json"):
        shutil.copy(written / name, tmp_path / "results" / name)
    codes = runner.run({"mode": "report", "out": "matrix"}, ("paths", "Merge the results into one matrix"))
    assert codes["Merge the results into one matrix"] == 0, "nothing failed unexpectedly"
    merged = (tmp_path / "matrix" / "matrix.md").read_text()
    assert "| reference writer |" in merged and "zarr-python" in merged
    assert merged in runner.summary.read_text(), "the matrix is the job summary"


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_action_suites_step_fails_the_job_on_an_unexpected_failure(tmp_path, fixture_cache):
    runner = Runner(tmp_path)
    inputs = {
        "impl": "faulty_adapters:MissingChunksReadAsZero",
        "cases": "^v3-fill-int16-positive$",
        "extra-args": f"--zarr-cache-dir {fixture_cache} -p no:cacheprovider -q --rootdir {Path(__file__).parent}",
    }
    codes = runner.run(inputs, RUN)
    assert codes["Conformance suites"] == 1, "the gate: an unexpected failure fails the step"
    assert (
        codes["HTML report"] == 0
        and (tmp_path / "zarr-conformance" / "zarr-conformance-report" / "matrix.html").exists()
    )


def test_ci_doc_sections_use_only_options_the_kit_has():
    text = CI_DOC.read_text()
    sections = text[text.index("## A GitHub Actions workflow") : text.index("## Timeouts and crashes")]
    assert "zarr-conformance run --impl IMPL" in sections and "--zarr-interop-write" in sections
    assert unknown_options(sections) == []
