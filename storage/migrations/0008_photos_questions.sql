-- A prescription photo sent with #配药 as its caption: private, shown only where the card number is.
ALTER TABLE med_private ADD COLUMN photo_file_id TEXT;

-- The bot asks once before acting on a guess (a buy's deadline, which buy a relay is for). The
-- command waits here, as JSON, until its sender answers with a button or a reply; an edit of the
-- source message updates it.
CREATE TABLE questions (
    id                 INTEGER PRIMARY KEY,
    chat_id            INTEGER NOT NULL,
    user_id            INTEGER NOT NULL,     -- who asked, and the only one who may answer
    source_message_id  INTEGER NOT NULL,     -- the message the command came in
    prompt_message_id  INTEGER,              -- the bot's question
    kind               TEXT NOT NULL,        -- what is asked: 'deadline', 'buy'
    command            TEXT NOT NULL,        -- the command as read (JSON); personal data: /purge
    created_at         TEXT NOT NULL,
    answered_at        TEXT,
    UNIQUE (chat_id, source_message_id)
);
CREATE INDEX questions_prompt ON questions(chat_id, prompt_message_id);
