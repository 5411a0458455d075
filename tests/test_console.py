import io
import signal
import subprocess
import sys
import time

from bot.runtime.console import Console, run_console
from bot.texts.i18n import t

SCRIPT = """/help
:lang en
:dm
/start
:chat 居委
:role committee
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


async def _session(config, script: str, tmp_path=None) -> str:
    out = io.StringIO()
    files = (tmp_path or config.storage.path.parent) / "console-files"
    await Console(config, io.StringIO(script), out, files=files).run()
    return out.getvalue()


async def test_reply_names_a_persons_message_by_its_number(config):
    text = await _session(
        config,
        ":chat 3号楼\n:as 李四\n大家好\n:as 王主任\n:role committee\n:reply 1 #楼组长\n:reply 7 #楼组长\n",
    )
    assert "(1) 李四@3号楼群> 大家好" in text
    assert "(2) 王主任@3号楼群> ↩(1) #楼组长" in text
    assert f"(3) [3号楼群] 🤖 {t('zh', 'leader.done', building=3)}" in text  # 李四, not 王主任, is leader now
    assert "(no message (7)" in text


async def test_press_names_the_message_and_the_button_and_shows_the_pop_up(config):
    text = await _session(
        config,
        ":as 王主任\n:role committee\n:chat 3号楼\n#开团 蔬菜包 68元/份 截止20:00\n:as 张三 3-502\n"
        ":press 2\n:press 2 1\n",
    )
    assert "(2) [3号楼群] 🤖 🛒 团购 #1：蔬菜包" in text and "[1] +1  [2] −1" in text
    assert "(say :press N B" in text  # a button number alone presses nothing
    assert text.count("(pressing") == 1 and "(pressing [1] +1 under (2))" in text
    assert "💬 pop-up: " + t("zh", "gb.ordered", id=1, household="3-502", quantity=1) in text


async def test_photo_with_a_caption_and_files_the_bot_sends_are_saved(config, tmp_path):
    text = await _session(
        config,
        ":chat 3号楼\n:as 张三 3-502\n:photo #配药 布洛芬 2盒\n:as 王主任\n:role committee\n:chat 居委\n#日报\n",
        tmp_path,
    )
    assert "张三@3号楼群> 📷 #配药 布洛芬 2盒" in text
    assert "配药单 #1" in text
    saved = [line.split("📎 saved ", 1)[1] for line in text.splitlines() if "📎 saved " in line]
    assert saved and all(path.startswith(str(tmp_path / "console-files")) for path in saved)
    assert (tmp_path / "console-files").joinpath(saved[0].rsplit("/", 1)[1]).read_bytes().startswith(b"\x89PNG")


async def test_as_takes_the_new_persons_own_language(config):
    text = await _session(config, ":lang en\n/help\n:as 李四\n/help\n:as 居民\n/help\n")
    helps = [line for line in text.splitlines() if "🤖" in line and ("用法" in line or "usage" in line)]
    assert [("usage" in line) for line in helps] == [True, False, True]


def test_ctrl_c_quits_at_once_while_waiting_for_a_line(tmp_path):
    (tmp_path / "config.toml").write_text('[storage]\npath = "db.sqlite3"\n', encoding="utf-8")
    console = subprocess.Popen(
        [sys.executable, "-m", "bot", "console", "--config", str(tmp_path / "config.toml")],
        stdin=subprocess.PIPE,  # left open: the console waits for a line
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        while "(you are" not in console.stdout.readline():
            pass
        console.send_signal(signal.SIGINT)
        started = time.monotonic()
        assert console.wait(timeout=15) == 130
        assert time.monotonic() - started < 5
    finally:
        console.kill()
    assert "Traceback" not in console.stderr.read()
