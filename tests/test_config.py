from pathlib import Path

import pytest

from bot.cli import main
from bot.config import ConfigError, load_config


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_example_config_loads_with_documented_defaults():
    config = load_config(Path("config.example.toml"), environ={})
    assert config.schedule.timezone == "Asia/Shanghai"
    assert config.schedule.digest_time.strftime("%H:%M") == "20:00"
    assert config.committee.language == "zh"
    assert config.storage.path == Path("data/building-bot.sqlite3")


def test_missing_explicit_file_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="nope.toml: file not found"):
        load_config(tmp_path / "nope.toml", environ={})


def test_bad_toml_names_the_file(tmp_path):
    with pytest.raises(ConfigError, match="config.toml: not valid TOML"):
        load_config(write(tmp_path, "[telegram\ntoken = 1"), environ={})


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[committee]\nadmins = "me"', "committee.admins"),
        ('[committee]\nlanguage = "fr"', "committee.language"),
        ('[schedule]\ndigest_time = "25:99"', "schedule.digest_time"),
        ('[telegram]\nmode = "carrier-pigeon"', "telegram.mode"),
        ("[storage]\npaht = 'typo'", "storage.paht"),
    ],
)
def test_wrong_values_name_the_key(tmp_path, text, key):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text), environ={})
    assert str(info.value).startswith(f"{tmp_path / 'config.toml'}: {key}:")
    assert "\n" not in str(info.value)


def test_unknown_timezone(tmp_path):
    with pytest.raises(ConfigError, match="schedule.timezone: unknown time zone 'Mars/Olympus'"):
        load_config(write(tmp_path, '[schedule]\ntimezone = "Mars/Olympus"'), environ={})


def test_environment_token_wins_and_is_never_shown(tmp_path):
    path = write(tmp_path, '[telegram]\ntoken = "from-file"')
    config = load_config(path, environ={"BUILDING_BOT_TOKEN": "123:secret"})
    assert config.token == "123:secret"
    assert "123:secret" not in repr(config) and "123:secret" not in str(config.model_dump())


def test_cli_reports_a_config_error_on_one_line_with_status_2(tmp_path, capsys):
    status = main(["migrate", "--config", str(write(tmp_path, '[schedule]\ntimezone = "Nowhere/Else"'))])
    err = capsys.readouterr().err
    assert status == 2
    assert err.count("\n") == 1 and "schedule.timezone" in err and "Traceback" not in err


def test_run_without_token_explains_how_to_get_one(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("BUILDING_BOT_TOKEN", raising=False)
    path = write(tmp_path, f'[storage]\npath = "{tmp_path / "db.sqlite3"}"')
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert "@BotFather" in err and "building-bot console" in err


def test_cli_migrate_and_backup(tmp_path, capsys):
    import sqlite3

    config = write(tmp_path, f'[storage]\npath = "{tmp_path / "live.sqlite3"}"\n')
    assert main(["migrate", "--config", str(config)]) == 0
    assert "schema version" in capsys.readouterr().out
    assert main(["backup", str(tmp_path / "copies" / "b.sqlite3"), "--config", str(config)]) == 0
    copy = sqlite3.connect(tmp_path / "copies" / "b.sqlite3")
    assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert copy.execute("SELECT count(*) FROM sqlite_master WHERE name = 'med_requests'").fetchone()[0] == 1


def test_every_subcommand_has_help(capsys):
    for command in ("run", "console", "migrate", "backup", "import-roster", "export"):
        with pytest.raises(SystemExit) as done:
            main([command, "--help"])
        assert done.value.code == 0
        assert "--config" in capsys.readouterr().out
