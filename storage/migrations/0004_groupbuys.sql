-- Group buys (团购 / 接龙): a buy, its live board messages in the chat, one order per household.

CREATE TABLE group_buys (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL,
    price_fen   INTEGER NOT NULL CHECK (price_fen >= 0),
    unit        TEXT NOT NULL,
    deadline    TEXT,                           -- UTC; closed automatically then
    minimum     INTEGER,                        -- 起订: total needed for the supplier
    case_size   INTEGER,                        -- 整箱: sold in cases of this many
    max_each    INTEGER,                        -- 限购: per household
    building    INTEGER,                        -- NULL: opened by the committee for every building
    opened_by   INTEGER NOT NULL,
    chat_id     INTEGER NOT NULL,               -- where it was opened (and its board lives)
    message_id  INTEGER NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at  TEXT NOT NULL,
    closed_at   TEXT,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX group_buys_status ON group_buys(status);

-- Every board message the bot posted for a buy (a reply "+2" to any of them orders).
CREATE TABLE group_buy_boards (
    board_chat_id  INTEGER NOT NULL,
    message_id     INTEGER NOT NULL,
    buy_id         INTEGER NOT NULL REFERENCES group_buys(id),
    posted_at      TEXT NOT NULL,
    PRIMARY KEY (board_chat_id, message_id)
);
CREATE INDEX group_buy_boards_buy ON group_buy_boards(buy_id);

CREATE TABLE group_buy_orders (
    buy_id        INTEGER NOT NULL REFERENCES group_buys(id),
    household_id  INTEGER NOT NULL REFERENCES households(id),
    quantity      INTEGER NOT NULL CHECK (quantity > 0),
    paid          INTEGER NOT NULL DEFAULT 0,
    updated_by    INTEGER,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (buy_id, household_id)
);
