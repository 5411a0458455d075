"""Configuration: a TOML file loaded into pydantic models.

A bad or missing value raises :class:`ConfigError` whose message names the key and the file;
the CLI prints it on one line and exits with status 2. The token is a ``SecretStr`` and is never
printed or logged.
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from collections.abc import Mapping
from datetime import time
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator, model_validator

TOKEN_ENV = "BUILDING_BOT_TOKEN"
DEFAULT_CONFIG_PATH = Path("config.toml")

Language = Literal["zh", "en"]
PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")
POSTGRES_SCHEMES = ("postgresql", "postgres")


class ConfigError(Exception):
    """A configuration problem, with a one-line message for the operator."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _hh_mm(cls: type, value: object) -> object:
    """``"20:00"`` → time(20, 0), for the validators of the HH:MM settings."""
    if isinstance(value, str):
        try:
            hour, minute = (int(part) for part in value.split(":"))
            return time(hour, minute)
        except ValueError as exc:
            raise ValueError(f"expected HH:MM, got {value!r}") from exc
    return value


class TelegramConfig(_Section):
    token: SecretStr = SecretStr("")
    base_url: str = "https://api.telegram.org/bot"
    mode: Literal["polling", "webhook"] = "polling"
    listen: str = "127.0.0.1"
    port: int = Field(default=8443, ge=1, le=65535)
    url: str = ""
    secret_token: SecretStr = SecretStr("")
    group_messages_per_minute: int = Field(default=20, ge=1, le=10000)
    messages_per_second: int = Field(default=30, ge=1, le=10000)
    concurrent_updates: int = Field(default=32, ge=1, le=1024)
    proxy: SecretStr = SecretStr("")  # may hold a password: never printed (see ``proxy_label``)

    @field_validator("proxy")
    @classmethod
    def _proxy_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if not url:
            return value
        parts = urlsplit(url)
        if parts.scheme not in PROXY_SCHEMES or not parts.hostname:
            raise ValueError("expected a URL such as http://127.0.0.1:7890 or socks5://127.0.0.1:1080")
        parts.port  # noqa: B018 -- a port that is not a number raises ValueError
        if parts.scheme.startswith("socks") and importlib.util.find_spec("socksio") is None:
            raise ValueError("a SOCKS proxy needs the socksio package: .venv/bin/pip install 'httpx[socks]'")
        return value

    @property
    def proxy_label(self) -> str:
        """The proxy without any user name or password, for messages and logs."""
        parts = urlsplit(self.proxy.get_secret_value())
        return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


class StorageConfig(_Section):
    path: Path = Path("data/building-bot.sqlite3")
    url: SecretStr = SecretStr("")  # "postgresql://…": a district's PostgreSQL instead of the file
    backup_dir: Path | None = None  # "" in the file: no daily backup
    backup_keep: int = Field(default=7, ge=1, le=3650)

    @field_validator("backup_dir", mode="before")
    @classmethod
    def _no_folder(cls, value: object) -> object:
        return value or None

    @field_validator("url")
    @classmethod
    def _postgres_url(cls, value: SecretStr) -> SecretStr:
        url = value.get_secret_value()
        if url and urlsplit(url).scheme not in POSTGRES_SCHEMES:
            raise ValueError("expected a URL such as postgresql://bot@db.example.org/district")
        return value

    @model_validator(mode="after")
    def _one_database(self) -> StorageConfig:
        if self.url.get_secret_value():
            if "path" in self.model_fields_set:
                raise ValueError("path and url are both set: path for SQLite, url for PostgreSQL, not both")
            if self.backup_dir is not None:
                raise ValueError("backup_dir is for SQLite: back up PostgreSQL with pg_dump (README: 'Running a district')")
        return self

    @property
    def database_url(self) -> str:
        """The PostgreSQL URL ("" for SQLite); a secret: never logged (see ``database_label``)."""
        return self.url.get_secret_value()

    @property
    def database_label(self) -> str:
        """Where the data is, for messages and logs: the SQLite file, or the URL without its password."""
        if not self.database_url:
            return str(self.path.resolve())
        parts = urlsplit(self.database_url)
        where = (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
        user = f"{parts.username}@" if parts.username else ""
        return f"{parts.scheme}://{user}{where}{parts.path}"


class OpsConfig(_Section):
    http: str = ""  # "127.0.0.1:9108": /healthz and /metrics; empty: off
    sentry_dsn: SecretStr = SecretStr("")

    @field_validator("http")
    @classmethod
    def _host_port(cls, value: str) -> str:
        if value:
            host, _, port = value.rpartition(":")
            if not host or not port.isdigit() or not 0 < int(port) < 65536:
                raise ValueError(f"expected HOST:PORT such as 127.0.0.1:9108, got {value!r}")
        return value

    @property
    def address(self) -> tuple[str, int]:
        host, _, port = self.http.rpartition(":")
        return host.strip("[]"), int(port)


class LoggingConfig(_Section):
    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["text", "json"] = "text"


class ScheduleConfig(_Section):
    timezone: str = "Asia/Shanghai"
    digest_time: time = time(20, 0)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    _digest_time = field_validator("digest_time", mode="before")(_hh_mm)

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class CommitteeConfig(_Section):
    chat_id: int = 0
    admins: list[int] = Field(default_factory=list)
    language: Language = "zh"


DEFAULT_URGENT_KEYWORDS = [
    "胰岛素", "insulin", "透析", "dialysis", "化疗", "chemo", "靶向", "抗肿瘤", "肿瘤", "oncology", "cancer",
    "精神", "抗抑郁", "抑郁", "psychiatric", "antipsychotic", "癫痫", "epilepsy", "抗癫痫",
    "奥氮平", "olanzapine", "利培酮", "risperidone", "喹硫平", "quetiapine", "氯氮平", "clozapine", "阿立哌唑",
    "碳酸锂", "lithium", "丙戊酸", "卡马西平", "左乙拉西坦", "舍曲林", "帕罗西汀", "氟西汀",
    "硝酸甘油", "nitroglycerin",
    "抗凝", "华法林", "warfarin", "免疫抑制", "他克莫司", "环孢素",
]  # fmt: skip


class MedicineConfig(_Section):
    auto_confirm: bool = False
    urgent_keywords: list[str] = Field(default_factory=list)

    @property
    def all_urgent_keywords(self) -> list[str]:
        return DEFAULT_URGENT_KEYWORDS + self.urgent_keywords


class GroupBuyConfig(_Section):
    board_interval_seconds: float = Field(default=5.0, ge=0.5, le=600)
    board_repost_after_messages: int = Field(default=30, ge=1)


class VolunteerConfig(_Section):
    max_shift_hours: float = Field(default=12, gt=0, le=48)
    slot_reminder_minutes: int = Field(default=60, ge=1, le=1440)


class CareConfig(_Section):
    check_time: time = time(18, 0)
    escalate_after_minutes: int = Field(default=60, ge=1, le=720)

    _check_time = field_validator("check_time", mode="before")(_hh_mm)


class NudgeConfig(_Section):
    """Reminders the bot sends by itself; the non-urgent ones wait for the end of quiet hours."""

    quiet_hours: str = "22:00-07:00"  # "": none

    @field_validator("quiet_hours")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        _span(value)
        return value

    def quiet(self, at: time) -> bool:
        """Is the local time ``at`` within quiet hours (which may run past midnight)?"""
        span = _span(self.quiet_hours)
        if span is None:
            return False
        start, end = span
        return start <= at < end if start <= end else at >= start or at < end


def _span(value: str) -> tuple[time, time] | None:
    """``"22:00-07:00"`` → its two times; ``""`` → None."""
    if not value:
        return None
    start, dash, end = value.partition("-")
    if not dash:
        raise ValueError(f"expected HH:MM-HH:MM, got {value!r}")
    return _hh_mm(NudgeConfig, start.strip()), _hh_mm(NudgeConfig, end.strip())  # type: ignore[return-value]


WECOM_COMMITTEE_ENV = "BUILDING_BOT_WECOM_COMMITTEE"
WECOM_BUILDING_ENV = "BUILDING_BOT_WECOM_BUILDING_"  # + the building's number


def _webhook(value: SecretStr) -> SecretStr:
    """A robot's full webhook URL (it holds the key: never shown, not even in this error)."""
    url = value.get_secret_value()
    if url and not (urlsplit(url).scheme in ("http", "https") and urlsplit(url).hostname):
        raise ValueError("expected the robot's full webhook URL, https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    return value


class WeComConfig(_Section):
    """WeCom (企业微信) group robots: the committee's and each building's (number → webhook URL)."""

    committee_webhook: SecretStr = SecretStr("")
    messages_per_minute: int = Field(default=20, ge=1, le=20)
    buildings: dict[int, SecretStr] = Field(default_factory=dict)

    @field_validator("committee_webhook")
    @classmethod
    def _committee_webhook(cls, value: SecretStr) -> SecretStr:
        return _webhook(value)

    @field_validator("buildings")
    @classmethod
    def _building_webhooks(cls, value: dict[int, SecretStr]) -> dict[int, SecretStr]:
        for url in value.values():
            _webhook(url)
        return value


class Config(_Section):
    telegram: TelegramConfig = Field(default_factory=TelegramConfig)
    storage: StorageConfig = Field(default_factory=StorageConfig)
    schedule: ScheduleConfig = Field(default_factory=ScheduleConfig)
    committee: CommitteeConfig = Field(default_factory=CommitteeConfig)
    medicine: MedicineConfig = Field(default_factory=MedicineConfig)
    groupbuy: GroupBuyConfig = Field(default_factory=GroupBuyConfig)
    volunteers: VolunteerConfig = Field(default_factory=VolunteerConfig)
    care: CareConfig = Field(default_factory=CareConfig)
    nudges: NudgeConfig = Field(default_factory=NudgeConfig)
    ops: OpsConfig = Field(default_factory=OpsConfig)
    logging: LoggingConfig = Field(default_factory=LoggingConfig)
    wecom: WeComConfig | None = None  # no [wecom] section: nothing goes to WeChat

    @property
    def token(self) -> str:
        return self.telegram.token.get_secret_value()


def load_config(path: Path | None = None, *, environ: Mapping[str, str] | None = None) -> Config:
    """Load the configuration.

    ``path=None`` means the default ``config.toml``, and built-in defaults when it does not exist
    (so console mode works on a fresh checkout). An explicit path that does not exist is an error.
    ``BUILDING_BOT_TOKEN`` in the environment wins over the file's token. With a file, a relative
    ``storage.path`` (the default included) is in that file's folder, wherever the bot is started.
    """
    variables = os.environ if environ is None else environ
    data: dict[str, Any] = {}
    source = path or DEFAULT_CONFIG_PATH
    if path is not None or source.exists():
        try:
            data = tomllib.loads(source.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{source}: file not found (copy config.example.toml to start)") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{source}: cannot read ({exc.__class__.__name__})") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{source}: not valid TOML: {exc}") from None
        storage = data.setdefault("storage", {})
        if isinstance(storage, dict):
            stored = storage.get("path", str(StorageConfig.model_fields["path"].default))
            if isinstance(stored, str) and ("path" in storage or not storage.get("url")):
                storage["path"] = str(source.parent / Path(stored).expanduser())
            backups = storage.get("backup_dir")
            if isinstance(backups, str) and backups:
                storage["backup_dir"] = str(source.parent / Path(backups).expanduser())
    token = variables.get(TOKEN_ENV)
    if token:
        data.setdefault("telegram", {})
        if isinstance(data["telegram"], dict):
            data["telegram"]["token"] = token
    _wecom_from_environment(data, variables)
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        key = ".".join(str(part) for part in error["loc"]) or "(top level)"
        message = error["msg"].removeprefix("Value error, ")
        raise ConfigError(f"{source}: {key}: {message}") from None


def _wecom_from_environment(data: dict[str, Any], environ: Mapping[str, str]) -> None:
    """``BUILDING_BOT_WECOM_COMMITTEE`` and ``BUILDING_BOT_WECOM_BUILDING_3`` supply robots' URLs
    (kept out of files); they win over the file's and turn the ``[wecom]`` section on."""
    found = {name: url for name, url in environ.items() if url and name.startswith("BUILDING_BOT_WECOM_")}
    if not found or not isinstance(data.setdefault("wecom", {}), dict):
        return
    wecom = data["wecom"]
    for name, url in found.items():
        if name == WECOM_COMMITTEE_ENV:
            wecom["committee_webhook"] = url
        elif isinstance(wecom.setdefault("buildings", {}), dict):
            wecom["buildings"][name.removeprefix(WECOM_BUILDING_ENV)] = url
