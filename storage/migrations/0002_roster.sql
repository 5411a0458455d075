-- Roster: which chat is which building's, households, who lives where, who may do what.

CREATE TABLE chats (
    chat_id   INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL CHECK (kind IN ('building', 'committee')),
    building  INTEGER,                      -- set for kind = 'building'
    title     TEXT NOT NULL DEFAULT '',
    bound_by  INTEGER,
    bound_at  TEXT NOT NULL,
    kicked    INTEGER NOT NULL DEFAULT 0,   -- the bot was removed: nothing more is sent there
    CHECK ((kind = 'building') = (building IS NOT NULL))
);
CREATE INDEX chats_building ON chats(building);

CREATE TABLE households (
    id            INTEGER PRIMARY KEY,
    building      INTEGER NOT NULL,
    unit          INTEGER NOT NULL DEFAULT 0,   -- 0: the building has no units
    room          INTEGER NOT NULL,
    contact_name  TEXT,                         -- personal data: removed by /purge
    special_care  INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    UNIQUE (building, unit, room)
);

CREATE TABLE members (
    user_id       INTEGER PRIMARY KEY,
    household_id  INTEGER REFERENCES households(id) ON DELETE SET NULL,
    display_name  TEXT,                         -- personal data: removed by /purge
    registered_at TEXT NOT NULL
);
CREATE INDEX members_household ON members(household_id);

CREATE TABLE roles (
    user_id    INTEGER NOT NULL,
    role       TEXT NOT NULL CHECK (role IN ('volunteer', 'leader', 'committee')),
    building   INTEGER NOT NULL DEFAULT 0,      -- leaders: their building; others 0
    granted_by INTEGER,
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, role, building)
);

-- Collected only in private chat; never shown in a group or written to a log.
CREATE TABLE private_contacts (
    user_id    INTEGER PRIMARY KEY,
    phone      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
