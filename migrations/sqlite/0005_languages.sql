-- The language each answer, dialogue and thread speaks: votes and dialogue
-- steps on an answer, and follow-up questions in a thread, keep the
-- language the conversation started in. Rows from before languages were
-- English.
ALTER TABLE answers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE dialogue_sessions ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
ALTER TABLE threads ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
