-- Several bots share a district's database: a bound chat's binding (kind, building, title) stays the
-- chat's, and which bots are in it is kept per bot. A bot sends its reports, notices and reminders
-- only to the chats it is in (kicked = 0); removed from one (left, kicked, a 403), it is marked gone
-- from that chat alone, and another bot in it goes on. The rows from before this migration are bot 0
-- until the database's bot adopts them at its next start (storage/roster.py, adopt): it had one bot.
CREATE TABLE chat_bots (
    bot_id   INTEGER NOT NULL,
    chat_id  INTEGER NOT NULL,
    kicked   INTEGER NOT NULL DEFAULT 0,   -- this bot was removed: it sends nothing more there
    PRIMARY KEY (bot_id, chat_id)
);
INSERT INTO chat_bots(bot_id, chat_id, kicked) SELECT 0, chat_id, kicked FROM chats;
ALTER TABLE chats DROP COLUMN kicked;
