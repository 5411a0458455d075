-- A chat two bots are in (a committee's chat, a building's group during a hand-over): Telegram
-- delivers each message there to both bots, each under its own update id. An update of a group's
-- message carries the message's identity, the same for every bot (its chat, its id, and its edit's
-- date, 0 for the message as sent: an edit is a message of its own), and the inbox stores one update
-- per identity: the first bot to store it handles it, the other's is not stored (ON CONFLICT DO
-- NOTHING). Private chats, button presses and a bot's own membership reach one bot: no identity.
ALTER TABLE inbox ADD COLUMN message_chat INTEGER;
ALTER TABLE inbox ADD COLUMN message_id INTEGER;
ALTER TABLE inbox ADD COLUMN message_edit INTEGER;
CREATE UNIQUE INDEX inbox_message ON inbox(message_chat, message_id, message_edit)
    WHERE message_chat IS NOT NULL;
