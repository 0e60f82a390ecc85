-- What the bot posted for staff about someone's text: an escalation (a
-- question with no answer, or "Talk to a human" after an answer) or an
-- improvement comment. The subject is unique, so a repeated click or
-- comment can neither ping the support role twice nor flood the triage
-- channel; the person's id lets forget-me delete the posts on Discord.
CREATE TABLE staff_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    subject TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    guild_id TEXT,
    channel_id TEXT,
    message_id TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX staff_posts_user ON staff_posts (user_id);

-- The hourly upkeep deletes handled interactions after their replay
-- window and dialogue sessions left idle.
CREATE INDEX interactions_created ON interactions (created_at);
CREATE INDEX dialogue_sessions_updated ON dialogue_sessions (updated_at);

-- Per-server views (stats, unanswered) read one server's rows.
CREATE INDEX answers_guild ON answers (guild_id);
CREATE INDEX unanswered_guild_created ON unanswered (guild_id, created_at);
