-- Answers shown to someone: a question matched to an entry, or a
-- dialogue's recommendation (entry = "<dialogue>:<outcome>").
CREATE TABLE answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('entry', 'recommendation')),
    entry TEXT NOT NULL,
    question TEXT,
    confidence REAL NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    -- The message that asked: a replayed event must not answer twice.
    source_message_id TEXT UNIQUE,
    -- The message that shows the answer, once sent.
    message_id TEXT UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE INDEX answers_entry ON answers (entry);

-- One vote per person per answer; a later vote replaces the earlier.
CREATE TABLE votes (
    answer_id INTEGER NOT NULL REFERENCES answers (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL,
    helpful INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment TEXT,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (answer_id, user_id)
);

-- Questions the knowledge had no answer for: the support team's triage list.
CREATE TABLE unanswered (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question TEXT,
    confidence REAL NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    user_id TEXT NOT NULL,
    source_message_id TEXT UNIQUE,
    escalated INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
);
CREATE INDEX unanswered_created ON unanswered (created_at);

-- Recommendation dialogues in progress or finished, so a restarted front
-- end carries on from the last answer.
CREATE TABLE dialogue_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dialogue TEXT NOT NULL,
    user_id TEXT NOT NULL,
    origin TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    state TEXT NOT NULL,
    finished INTEGER NOT NULL DEFAULT 0,
    result_answer_id INTEGER REFERENCES answers (id),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

-- Discord interactions already handled: a replayed one is acknowledged,
-- never applied twice.
CREATE TABLE interactions (
    id TEXT PRIMARY KEY,
    created_at INTEGER NOT NULL
);

-- Threads the bot answers in, with who asked: later messages of the asker
-- there are follow-up questions; forum posts get the forum's tags.
CREATE TABLE threads (
    thread_id TEXT PRIMARY KEY,
    asker_id TEXT NOT NULL,
    forum_id TEXT,
    created_at INTEGER NOT NULL
);
