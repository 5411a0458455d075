-- Telegram's update ids are per bot: several bots (a district's, one per street) share one
-- database, so the re-delivery guard and the inbox are keyed by (bot_id, update_id). Rows from
-- before this migration belong to the database's only bot, whose id is not known here: bot_id 0,
-- which that bot adopts at its next start (storage/updates.py, adopt).
CREATE TABLE processed_updates_per_bot (
    bot_id        INTEGER NOT NULL,
    update_id     INTEGER NOT NULL,
    processed_at  TEXT NOT NULL,
    result        BLOB,
    PRIMARY KEY (bot_id, update_id)
);
INSERT INTO processed_updates_per_bot(bot_id, update_id, processed_at, result)
    SELECT 0, update_id, processed_at, result FROM processed_updates;
DROP TABLE processed_updates;
ALTER TABLE processed_updates_per_bot RENAME TO processed_updates;
CREATE INDEX processed_updates_at ON processed_updates(processed_at);

CREATE TABLE inbox_per_bot (
    bot_id       INTEGER NOT NULL,
    update_id    INTEGER NOT NULL,
    payload      TEXT NOT NULL,                 -- the update as Telegram sent it (personal: /purge)
    received_at  TEXT NOT NULL,
    done_at      TEXT,
    PRIMARY KEY (bot_id, update_id)
);
INSERT INTO inbox_per_bot(bot_id, update_id, payload, received_at, done_at)
    SELECT 0, update_id, payload, received_at, done_at FROM inbox;
DROP TABLE inbox;
ALTER TABLE inbox_per_bot RENAME TO inbox;
CREATE INDEX inbox_pending ON inbox(bot_id, update_id) WHERE done_at IS NULL;
