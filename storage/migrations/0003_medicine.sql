-- Medicine requests (配药): one request per household per message, its items, private details
-- kept apart, and who holds which household's medical-insurance card.

CREATE TABLE med_requests (
    id              INTEGER PRIMARY KEY,
    household_id    INTEGER NOT NULL REFERENCES households(id),
    requested_by    INTEGER NOT NULL,           -- user id of whoever filed it
    chat_id         INTEGER NOT NULL,           -- the message that created it
    message_id      INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'open', 'claimed', 'bought', 'delivered', 'cancelled')),
    urgent          INTEGER NOT NULL DEFAULT 0,
    volunteer_id    INTEGER,
    volunteer_name  TEXT,                       -- personal data: removed by /purge
    cost_fen        INTEGER CHECK (cost_fen IS NULL OR cost_fen >= 0),
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    delivered_at    TEXT,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX med_requests_status ON med_requests(status, urgent);
CREATE INDEX med_requests_created ON med_requests(created_at);

CREATE TABLE med_items (
    request_id  INTEGER NOT NULL REFERENCES med_requests(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    name        TEXT NOT NULL,
    quantity    INTEGER NOT NULL CHECK (quantity > 0),
    unit        TEXT,
    PRIMARY KEY (request_id, position)
);

-- Asked for in a private chat; readable only by the claiming volunteer and the committee.
CREATE TABLE med_private (
    request_id    INTEGER PRIMARY KEY REFERENCES med_requests(id) ON DELETE CASCADE,
    card_number   TEXT,
    phone         TEXT,
    notes         TEXT,
    card_handed   INTEGER NOT NULL DEFAULT 0,   -- the resident hands the card to the volunteer
    updated_at    TEXT NOT NULL
);

-- Which private chat is about to send the details of which request.
CREATE TABLE med_private_sessions (
    user_id     INTEGER PRIMARY KEY,
    request_id  INTEGER NOT NULL REFERENCES med_requests(id) ON DELETE CASCADE,
    started_at  TEXT NOT NULL
);

CREATE TABLE card_custody (
    id            INTEGER PRIMARY KEY,
    request_id    INTEGER NOT NULL REFERENCES med_requests(id),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    holder_id     INTEGER NOT NULL,
    taken_at      TEXT NOT NULL,
    returned_at   TEXT
);
CREATE INDEX card_custody_out ON card_custody(returned_at);
