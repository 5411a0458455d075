-- Daily reports (sent exactly once per chat and day), notices, rumor rebuttals.

CREATE TABLE digests_sent (
    chat_id  INTEGER NOT NULL,
    day      TEXT NOT NULL,                     -- local date, YYYY-MM-DD
    sent_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, day)
);

CREATE TABLE notices (
    id          INTEGER PRIMARY KEY,
    text        TEXT NOT NULL,
    daily_at    TEXT,                           -- HH:MM local for a recurring notice, NULL for one-off
    active      INTEGER NOT NULL DEFAULT 1,
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE notice_sends (
    notice_id  INTEGER NOT NULL REFERENCES notices(id),
    day        TEXT NOT NULL,
    sent_at    TEXT NOT NULL,
    PRIMARY KEY (notice_id, day)
);

CREATE TABLE rumors (
    id             INTEGER PRIMARY KEY,
    title          TEXT NOT NULL,
    keywords       TEXT NOT NULL,               -- comma-separated
    content        TEXT NOT NULL,
    source         TEXT,
    issued_by      INTEGER NOT NULL,
    issued_at      TEXT NOT NULL,
    active         INTEGER NOT NULL DEFAULT 1,
    superseded_by  INTEGER REFERENCES rumors(id)
);

-- When the bot last answered a rumor's keywords in a chat (at most once an hour).
CREATE TABLE rumor_replies (
    chat_id     INTEGER NOT NULL,
    rumor_id    INTEGER NOT NULL REFERENCES rumors(id),
    replied_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, rumor_id)
);
