import io
import subprocess
import sys

from bot.console import run_console

SCRIPT = """/help
:lang en
:dm
/start
:chat 居委
/lang en
#配药
:as 李四
:who
:quit
/help
"""


async def test_console_replays_a_piped_session(config):
    out = io.StringIO()
    await run_console(config, io.StringIO(SCRIPT), out)
    text = out.getvalue()
    assert "[1号楼群] 🤖 楼组助手 用法" in text  # zh by default
    assert "[私聊 居民] 🤖 Hello, I am the building assistant" in text  # after :lang en, in a private chat
    assert "[居委工作群] 🤖 This chat's language is now English." in text
    assert "I could not read that. The form is:" in text
    assert "(you are 李四" in text
    assert text.rstrip().endswith("再见 · bye")
    assert text.count("Building assistant usage") == 1  # nothing after :quit ran


def test_console_command_with_stdin_from_a_file(tmp_path):
    (tmp_path / "config.toml").write_text(f'[storage]\npath = "{tmp_path / "db.sqlite3"}"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--config", str(tmp_path / "config.toml")],
        input="/help\n#帮助\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("楼组助手 用法") == 2
    assert (tmp_path / "db.sqlite3").exists()
