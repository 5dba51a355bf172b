"""The README is the newcomer's entry: its settings table and commands must stay true."""
import re

from quiz.config import ROOT, SETTINGS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_setting_is_documented():
    missing = [key for key in SETTINGS if f"`QUIZ_{key}`" not in README]
    assert missing == []


def test_readme_opens_with_the_two_commands():
    first_block = re.search(r"```sh\n(.*?)```", README, re.S).group(1)
    commands = [line.split("#")[0].strip() for line in first_block.splitlines() if line.strip()]
    assert commands == ["scripts/run", "scripts/test"]
    for command in commands:
        script = ROOT / command
        assert script.exists() and script.stat().st_mode & 0o111, f"{command} is not an executable script"


def test_ci_runs_the_readme_test_command_with_postgres_required():
    ci = (ROOT / ".ci" / "run").read_text()
    assert "scripts/test" in ci and "QUIZ_REQUIRE_POSTGRES=1" in ci


def test_cli_reference_lists_every_command(tmp_path):
    from quiz import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "INSTANCE_PATH": str(tmp_path),
                      "SECRET_KEY": "x"})
    ours = set(app.cli.list_commands(None))
    assert {"init", "demo", "units", "users", "banks"} <= ours
    for name in ours:
        assert f"`quiz {name}" in README, f"quiz {name} is missing from the README's CLI reference"
