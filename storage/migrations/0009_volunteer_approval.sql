-- Volunteers are approved by the building's leader or the committee: until then #报到 is only an
-- application, and the applicant holds no volunteer role (roles.building: the building approved
-- for, 0 for every building).
ALTER TABLE volunteers ADD COLUMN building INTEGER;                 -- applied for; NULL: none (committee only)
ALTER TABLE volunteers ADD COLUMN approved_by INTEGER;
ALTER TABLE volunteers ADD COLUMN approved_at TEXT;                 -- NULL: still an application
ALTER TABLE volunteers ADD COLUMN application_chat_id INTEGER;      -- the bot's message with the ✅ button
ALTER TABLE volunteers ADD COLUMN application_message_id INTEGER;
CREATE INDEX volunteers_application ON volunteers(application_chat_id, application_message_id);

-- Everyone who registered before approvals existed stays a volunteer (their role is unchanged).
UPDATE volunteers SET approved_at = registered_at;
