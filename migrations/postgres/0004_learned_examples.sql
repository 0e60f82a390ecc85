-- Questions the support team answered from the triage channel, kept as
-- examples of the entry they chose (or, with no entry, of what this help
-- desk does not answer): the matcher learns from them. `normalized` is the
-- text as the matcher reads it, unique so one question means one thing.
-- `asked_by` lets forget-me remove a person's question.
CREATE TABLE learned_examples (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    text TEXT NOT NULL,
    normalized TEXT NOT NULL UNIQUE,
    entry TEXT,
    taught_by TEXT NOT NULL,
    taught_at BIGINT NOT NULL,
    guild_id TEXT,
    asked_by TEXT
);
CREATE INDEX learned_examples_asked_by ON learned_examples (asked_by);

-- The thread a post for staff is about, where staff answer from triage.
ALTER TABLE staff_posts ADD COLUMN thread_id TEXT;
