-- An update handled but not answered when the process died is handled again from the inbox: its
-- first write is not repeated, its result (kept here, pickled) is given back so the same answer
-- can be made. Personal data (names in results): /purge clears it.
ALTER TABLE processed_updates ADD COLUMN result BLOB;
