import subprocess
from pathlib import Path

import pytest

from bot.config import ConfigError, load_config
from bot.runtime.cli import main


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


def test_a_relative_storage_path_is_the_config_files_folders_wherever_the_bot_starts(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "bot-config"
    folder.mkdir()
    path = folder / "config.toml"
    path.write_text('[storage]\npath = "data/live.sqlite3"\n', encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert main(["migrate", "--config", str(path)]) == 0
    assert (folder / "data" / "live.sqlite3").exists()
    assert not (elsewhere / "data").exists()
    assert capsys.readouterr().out.startswith(f"{folder / 'data' / 'live.sqlite3'}: schema version")
    assert load_config(None, environ={}).storage.path == Path("data/building-bot.sqlite3")  # no file: this folder


@pytest.mark.parametrize(
    ("proxy", "message"),
    [
        ("127.0.0.1:7890", "expected a URL such as http://127.0.0.1:7890"),
        ("ftp://proxy:21", "expected a URL such as http://127.0.0.1:7890"),
        ("http://proxy:port", "Port could not be cast"),
    ],
)
def test_a_bad_proxy_names_the_key_and_never_shows_a_password(tmp_path, proxy, message):
    with pytest.raises(ConfigError, match=f"telegram.proxy: {message}"):
        load_config(write(tmp_path, f'[telegram]\nproxy = "{proxy}"'), environ={})
    config = load_config(write(tmp_path, '[telegram]\nproxy = "http://me:s3cret@10.0.0.1:7890"'), environ={})
    assert config.telegram.proxy_label == "http://10.0.0.1:7890"
    assert "s3cret" not in repr(config)


def test_make_help_lists_every_target_with_its_description():
    result = subprocess.run(["make", "--no-print-directory", "help"], capture_output=True, text=True, check=True)
    targets = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert {"console", "run", "test", "lint", "bench", "clean", "help"} <= targets.keys()
    assert all(description.strip() for description in targets.values())
