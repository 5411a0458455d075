-- Which callback data each message the bot sent (or edited) carries. A button press counts only
-- from the message that really carries its data: a press forged onto another message or chat, or a
-- replayed one whose keyboard is gone, is refused (handlers/guards.py). An edit replaces a message's
-- rows; rows older than 30 days are pruned at start-up. Private chats' ids are user ids: /purge.
CREATE TABLE buttons (
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER NOT NULL,
    data         TEXT NOT NULL,         -- callback data as sent: actions and record ids
    recorded_at  TEXT NOT NULL,         -- when the message was sent or last edited
    PRIMARY KEY (chat_id, message_id, data)
) WITHOUT ROWID;
CREATE INDEX buttons_recorded ON buttons(recorded_at);
