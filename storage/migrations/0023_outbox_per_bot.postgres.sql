-- 0023_outbox_per_bot.sql for PostgreSQL: the column and the key's new uniqueness in place (the
-- SQLite rebuild would copy ids past the identity's sequence).
ALTER TABLE outbox ADD COLUMN bot_id BIGINT NOT NULL DEFAULT 0;
ALTER TABLE outbox DROP CONSTRAINT outbox_key_key;
ALTER TABLE outbox ADD CONSTRAINT outbox_bot_id_key_key UNIQUE (bot_id, key);
DROP INDEX outbox_owed;
CREATE INDEX outbox_owed ON outbox(bot_id, channel, target, id) WHERE state = 'owed';
