-- What the bot owes WeChat: messages to WeCom group robots, stored before they are sent and marked
-- after, so a restart neither loses nor doubles one. The robot is named ('committee', 'building:3'),
-- never by its webhook URL (a secret, kept in the config). Nothing personal is ever in a body.
CREATE TABLE wecom_outbox (
    id          INTEGER PRIMARY KEY,
    robot       TEXT NOT NULL,
    key         TEXT NOT NULL,                  -- what it mirrors (rumor:3, report:2026-04-10 …)
    part        INTEGER NOT NULL,               -- its place among the messages of that key
    body        TEXT NOT NULL,                  -- the JSON the robot is sent
    created_at  TEXT NOT NULL,
    sent_at     TEXT,
    failed      TEXT,                           -- refused for good: the robot's error code
    UNIQUE(robot, key, part)
);
CREATE INDEX wecom_outbox_owed ON wecom_outbox(robot, id) WHERE sent_at IS NULL AND failed IS NULL;

-- A robot whose key WeCom refused (93000): told to the committee once per key. Only a hash of
-- the webhook URL is kept, so a corrected URL is tried afresh.
CREATE TABLE wecom_bad_keys (
    robot     TEXT NOT NULL,
    url_hash  TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (robot, url_hash)
);
