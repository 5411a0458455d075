-- Households are joined, not taken: the first to register an empty room is in at once; anyone
-- else asks, and a member of the household or the building's leader approves (a ✅ on the bot's
-- request, or a reply #通过). Until then the newcomer is no member and sees nothing of it.
CREATE TABLE household_joins (
    user_id       INTEGER PRIMARY KEY,          -- one request per person: a new one replaces it
    household_id  INTEGER NOT NULL REFERENCES households(id) ON DELETE CASCADE,
    display_name  TEXT,                         -- personal data: /purge
    chat_id       INTEGER,                      -- the bot's request message with the ✅ button
    message_id    INTEGER,
    requested_at  TEXT NOT NULL
);
CREATE INDEX household_joins_message ON household_joins(chat_id, message_id);

-- A room that exists only because someone registered to it leaves the roster when its last
-- member moves out (it is not "not ordered" any more); rooms from the roster file, or named by a
-- leader, stay. Rooms from before this migration stay too.
ALTER TABLE households ADD COLUMN self_registered INTEGER NOT NULL DEFAULT 0;
