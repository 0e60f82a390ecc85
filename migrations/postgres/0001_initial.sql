-- The same schema as migrations/sqlite/0001_initial.sql, in PostgreSQL's
-- types: BIGINT ids and times (Unix seconds), BOOLEAN flags, TEXT. Columns
-- the queries sort by use the "C" collation: byte order, as SQLite sorts,
-- whatever locale the database was created with.

-- Answers shown to someone: a question matched to an entry, or a
-- dialogue's recommendation (entry = "<dialogue>:<outcome>").
CREATE TABLE answers (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'recommendation')),
    entry TEXT COLLATE "C" NOT NULL,
    question TEXT,
    confidence DOUBLE PRECISION NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    -- The message that asked: a replayed event must not answer twice.
    source_message_id TEXT UNIQUE,
    -- The message that shows the answer, once sent.
    message_id TEXT UNIQUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX answers_entry ON answers (entry);

-- One vote per person per answer; a later vote replaces the earlier.
CREATE TABLE votes (
    answer_id BIGINT NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id TEXT COLLATE "C" NOT NULL,
    helpful BOOLEAN NOT NULL,
    comment TEXT,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);

-- Questions the knowledge had no answer for: the support team's triage list.
CREATE TABLE unanswered (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    question TEXT,
    confidence DOUBLE PRECISION NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    source_message_id TEXT UNIQUE,
    escalated BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT NOT NULL
);
CREATE INDEX unanswered_created ON unanswered (created_at);

-- Recommendation dialogues in progress or finished, so a restarted front
-- end carries on from the last answer.
CREATE TABLE dialogue_sessions (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    dialogue TEXT NOT NULL,
    user_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    state TEXT NOT NULL,
    finished BOOLEAN NOT NULL DEFAULT FALSE,
    result_answer_id BIGINT REFERENCES answers (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Discord interactions already handled: a replayed one is acknowledged,
-- never applied twice.
CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    created_at BIGINT NOT NULL
);

-- Threads the bot answers in, with who asked: later messages of the asker
-- there are follow-up questions; forum posts get the forum's tags.
CREATE TABLE threads (
    thread_id TEXT PRIMARY KEY,
    asker_id TEXT NOT NULL,
    forum_id TEXT,
    created_at BIGINT NOT NULL
);
