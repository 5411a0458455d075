-- Foundation: re-delivery guard, audit log, per-chat settings.

-- Telegram re-delivers an update after a timeout: one row per update handled.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL              -- UTC ISO-8601
);
CREATE INDEX processed_updates_at ON processed_updates(processed_at);

-- Who did what, when (no message text, no personal data).
CREATE TABLE audit_log (
    id       INTEGER PRIMARY KEY,
    at       TEXT NOT NULL,                 -- UTC ISO-8601
    user_id  INTEGER,
    chat_id  INTEGER,
    action   TEXT NOT NULL,                 -- e.g. 'bind', 'med.claim'
    outcome  TEXT NOT NULL,                 -- 'ok' or 'refused'
    detail   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at);

-- Per-chat settings chosen in the chat (/lang).
CREATE TABLE chat_settings (
    chat_id  INTEGER PRIMARY KEY,
    language TEXT CHECK (language IN ('zh', 'en'))
);
