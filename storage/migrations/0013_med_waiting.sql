-- A medicine request still waiting for the resident's ✅ after medicine.WAITING_TOO_LONG: when the
-- building's leader was told (once, even across restarts).
ALTER TABLE med_requests ADD COLUMN waiting_told_at TEXT;
