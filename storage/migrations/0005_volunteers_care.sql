-- Volunteers, their shifts and shift slots (排班); the special-care roster (特殊关爱) and its checks.

CREATE TABLE volunteers (
    user_id        INTEGER PRIMARY KEY,
    display_name   TEXT,                        -- personal data: removed by /purge
    skills         TEXT NOT NULL DEFAULT '',    -- comma-separated, canonical Chinese names
    registered_at  TEXT NOT NULL
);

CREATE TABLE shifts (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    task        TEXT,
    place       TEXT,
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    started_at  TEXT NOT NULL,
    ended_at    TEXT,
    flagged     INTEGER NOT NULL DEFAULT 0,     -- closed automatically: the volunteer forgot to check out
    UNIQUE (chat_id, message_id)
);
CREATE UNIQUE INDEX shifts_one_open ON shifts(user_id) WHERE ended_at IS NULL;
CREATE INDEX shifts_started ON shifts(started_at);

CREATE TABLE slots (
    id          INTEGER PRIMARY KEY,
    task        TEXT NOT NULL,
    starts_at   TEXT NOT NULL,
    ends_at     TEXT NOT NULL,
    headcount   INTEGER NOT NULL CHECK (headcount > 0),
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    opened_by   INTEGER NOT NULL,
    reminded    INTEGER NOT NULL DEFAULT 0,
    created_at  TEXT NOT NULL,
    UNIQUE (chat_id, message_id)
);
CREATE INDEX slots_starts ON slots(starts_at);

CREATE TABLE slot_takers (
    slot_id   INTEGER NOT NULL REFERENCES slots(id),
    user_id   INTEGER NOT NULL,
    taken_at  TEXT NOT NULL,
    PRIMARY KEY (slot_id, user_id)
);

CREATE TABLE care_households (
    household_id  INTEGER PRIMARY KEY REFERENCES households(id),
    needs         TEXT NOT NULL DEFAULT '',     -- personal data (health): never shown in a group
    volunteer_id  INTEGER,
    added_by      INTEGER,
    added_at      TEXT NOT NULL
);

CREATE TABLE care_checks (
    household_id  INTEGER NOT NULL REFERENCES households(id),
    day           TEXT NOT NULL,                -- local date, YYYY-MM-DD
    checked_by    INTEGER NOT NULL,
    checked_at    TEXT NOT NULL,
    PRIMARY KEY (household_id, day)
);

-- Escalations sent for a household not reported safe: 1 volunteer, 2 leader, 3 committee.
CREATE TABLE care_escalations (
    household_id  INTEGER NOT NULL REFERENCES households(id),
    day           TEXT NOT NULL,
    level         INTEGER NOT NULL CHECK (level IN (1, 2, 3)),
    sent_at       TEXT NOT NULL,
    PRIMARY KEY (household_id, day, level)
);
