-- Several bots share a district's database: an item of the Telegram outbox belongs to the bot that
-- owes it (bot_id: its Telegram id), only that bot's processes send it, and its key is unique per
-- bot (two bots may each owe a committee chat report:<day>:<chat>). bot_id 0: no bot's, sent by
-- any process (WeCom's robots: one sender for the district). Telegram items from before this
-- migration are 0 until the database's bot adopts them at its next start (storage/outbox.py, adopt).
CREATE TABLE outbox_per_bot (
    id           INTEGER PRIMARY KEY,
    channel      TEXT NOT NULL,
    target       TEXT NOT NULL,                 -- where: a Telegram chat id, a WeCom group, ...
    key          TEXT NOT NULL,
    payload      TEXT NOT NULL,                 -- JSON, the channel's sender reads it (personal: /purge)
    state        TEXT NOT NULL DEFAULT 'owed' CHECK (state IN ('owed', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_at      TEXT NOT NULL,                 -- not before (back-off after a failed attempt)
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    result       TEXT,                          -- JSON the sender returned (Telegram: the message)
    error        TEXT,                          -- the last failure's kind, never message text
    lease_until  TEXT,
    leased_by    TEXT,
    bot_id       INTEGER NOT NULL DEFAULT 0,  -- last, as PostgreSQL's ADD COLUMN puts it
    UNIQUE (bot_id, key)
);
INSERT INTO outbox_per_bot(id, channel, target, key, payload, state, attempts, next_at, created_at, sent_at,
                           result, error, lease_until, leased_by)
    SELECT id, channel, target, key, payload, state, attempts, next_at, created_at, sent_at,
           result, error, lease_until, leased_by FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_per_bot RENAME TO outbox;
CREATE INDEX outbox_owed ON outbox(bot_id, channel, target, id) WHERE state = 'owed';
