-- Retention erases texts older than a cut-off: these partial indexes hold
-- only the rows that still have a text, so each purge reads just what it
-- erases. (`unanswered_created` already covers the unanswered questions.)
CREATE INDEX answers_question_created ON answers (created_at) WHERE question IS NOT NULL;
CREATE INDEX votes_comment_updated ON votes (updated_at) WHERE comment IS NOT NULL;

-- Forget-me finds one person's rows without scanning whole tables, which
-- under SQLite's single write lock would hold up every other write.
CREATE INDEX answers_user ON answers (user_id);
CREATE INDEX votes_user ON votes (user_id);
CREATE INDEX unanswered_user ON unanswered (user_id);
CREATE INDEX dialogue_sessions_user ON dialogue_sessions (user_id);
CREATE INDEX threads_asker ON threads (asker_id);
