# helpdesk's text in this language: see README, "Languages".
#
# Ids are grouped by where people see them. English is the reference: every
# other language has every id, and code falls back to English for any it
# lacks. Markdown (`code`, **bold**), mentions (<@…>) and emoji are kept as
# they are; Discord's own markup such as <t:…:R> is filled in by the code.

## Answers, in the thread they are asked in

answer-button-helpful = Helpful
answer-button-not-helpful = Not helpful
answer-button-choose = Help me choose
answer-button-human = Talk to a human
answer-did-you-mean = Did you mean…
# The footer under every answer and recommendation.
answer-footer = Did this help? 👍 { $helpful } · 👎 { $not_helpful }
# Above an answer whose entry the knowledge of this language lacks, shown in
# English instead.
answer-untranslated = This answer isn't translated yet, so here it is in English.

## The honest reply when the knowledge has no answer

no-answer-title = I don't have an answer for that yet
no-answer-escalated = Sorry, that's not something I know about. I've flagged it for the support team; someone will look at it here.
no-answer-noted = Sorry, that's not something I know about. I've noted it for the support team.

## The recommendation dialogue

dialogue-step-title = { $title } · question { $number }
dialogue-not-sure = Not sure
dialogue-back = Back
dialogue-restart = Restart
dialogue-recommendation = My recommendation: { $label }
dialogue-why = Why:
dialogue-keep-in-mind = Keep in mind:
dialogue-none = There is no recommendation dialogue in this knowledge base.

## Threads

# A thread's name when the question has no visible words of its own.
thread-name-fallback = Question from { $asker }
# A thread's name once the person it was named after asked to be forgotten.
thread-name-forgotten = Email question

## Votes and the improvement modal

vote-thanks = Thanks for your vote! Glad it helped. 🎉
improve-title = How can we improve this answer?
improve-label = What was missing or wrong? (optional)
improve-placeholder = e.g. it didn't cover my mail app
improve-thanks-vote = Thanks for your vote! It helps us improve the answers.
improve-thanks-comment = Thanks! I've passed your suggestion on to the support team.

## "Talk to a human"

human-asked = I've asked the support team to take a look. Someone will reply here.
human-already = The support team has already been asked to look at this. Someone will reply here.
human-nobody = There's no support team configured here yet, sorry. A moderator may still help if you ask in the channel.
human-only-asker-or-staff = Only the person who asked, or the support team, can call in a human for this answer.

## Refusals, errors and load

error-stale = This button belongs to a conversation that has moved on. Ask your question again, or use `/recommend` to start a fresh recommendation.
error-unknown-button = Sorry, I don't recognise that button.
error-not-yours = This recommendation belongs to someone else. Start your own with `/recommend`!
error-not-your-question = These suggestions are for the person who asked. Ask your own question and I'll answer you!
error-try-again = Sorry, something went wrong on my side. Please try again in a moment.
error-cannot-answer = Sorry, I can't answer right now. Please try again in a moment.
busy = I'm busy, please try again in a moment.
swamped = I'm swamped right now, so a person from the support team will look at this. Thanks for your patience!
cooldown-questions = You're asking faster than I can keep up. Please wait a minute, then ask again.
cooldown-clicks = You're going faster than I can keep up. Please wait a minute, then try again.

## Calling the support team (in the asker's thread, and the triage channel)

escalation-ping = <@&{ $role }> this question needs a human.
triage-no-answer = <@{ $asker }> asked a question I had no answer for: { $link }
triage-human = <@{ $asker }> asked for a human after the answer `{ $entry }`: { $link }
triage-text-not-kept = (the question's text is not kept)
triage-comment = Improvement suggestion for `{ $entry }` from <@{ $user }> ({ $link }):

## The controls on posts for staff, and what they answer

staff-answer-with = Answer with…
staff-search = Search…
staff-search-description = Find another entry by its id or words
staff-button-out-of-scope = Not in scope
staff-button-claim = Claim
staff-button-resolved = Resolved
staff-button-edit-entry = Edit entry
staff-search-title = Answer with another entry
staff-search-label = Entry id or words
staff-search-placeholder = e.g. mailbox-quota, or: mailbox full
staff-only = Sorry, these controls are for the support team (the support role or Manage Server).
staff-gone = This post belongs to a question I no longer have. Nothing was changed.
staff-text-gone = The question's text is no longer kept (its asker was forgotten, or it passed the retention period), so I can't answer it or learn from it. Please reply in the thread yourself.
staff-no-thread = I don't know which thread this question was asked in, so please reply there yourself.
# Status lines written on a post; $when is Discord's "5 minutes ago".
staff-claimed = Claimed by <@{ $staff }> { $when }
staff-resolved = Resolved by <@{ $staff }> { $when }
staff-answered = Answered by <@{ $staff }> with `{ $entry }` { $when }
staff-out-of-scope = Not in scope, said <@{ $staff }> { $when }
staff-claimed-reply = It's yours: the post says so.
staff-resolved-reply = Marked resolved.
staff-answered-reply = Answered in <#{ $thread }> with **{ $title }**. I'll answer this question with it from now on.
staff-out-of-scope-reply = Noted: this question is not in scope. Asked again, it gets "no entry" without calling the team.
staff-refused = I didn't change anything: { $reason }. Unlearn that first (`/kb learned`, `/kb unlearn`) or edit the knowledge.
staff-no-match = No entry matches `{ $typed }`. Try other words or an entry id.
staff-pick-entry = Pick the entry to answer with:
staff-edit-entry = Edit `knowledge/{ $path }.md`. The comment:
staff-comment-gone = (no longer kept)

## /kb

kb-not-staff = This is for the support team: it needs the support role or the Manage Server permission, in a server.
kb-stats-title = Help desk statistics
kb-stats-totals = **{ $answers }** answers shown, **{ $unanswered }** unanswered, **{ $escalated }** escalated
kb-stats-share = Answered without escalation: **{ $share }**
kb-stats-votes = Votes: 👍 { $helpful } · 👎 { $not_helpful }
# The table's heading, in a code span: keep the columns' widths.
kb-stats-header = entry                      shown  👍   👎   helpful  asker 👍/👎
kb-unanswered-title = Recent unanswered questions
kb-unanswered-removed = (removed)
kb-unanswered-in = in <#{ $channel }>
kb-nothing-unanswered = No unanswered questions. 🎉
kb-gaps-title = What the knowledge does not cover yet
kb-gaps-group = **{ $count }×**, { $nearest }
kb-gaps-nearest = nearest `{ $entry }` ({ $confidence })
kb-gaps-none-near = no entry near
kb-show-missing = There is no entry `{ $entry }`.
kb-show-id = id
kb-show-tags = tags
kb-show-examples = examples
kb-reload-not-home = The knowledge is shared by every server this bot is in, so only the support team of its home server can reload it.
kb-reload-done = Reloaded { $entries } entries from `{ $source }`.
kb-reload-errors = The knowledge has errors, so I kept the previous version:
kb-learned-title = Learned from the support team
kb-learned-line = **#{ $id }** → { $entry }, by <@{ $staff }> { $when }
kb-learned-not-in-scope = not in scope
kb-learned-none = Nothing learned yet: answer a question from the triage channel to teach one.
kb-learned-footer = Page { $page } of { $pages } · { $count } learned · /kb unlearn <id> to undo one
kb-unlearned = Unlearned #{ $id }: I no longer answer that question with { $entry }.
kb-unlearned-not-in-scope = "not in scope"
kb-unlearn-missing = There is no learned example #{ $id } here; `/kb learned` lists them.
kb-forgot = Done. I deleted { $votes ->
        [one] { $votes } vote (with its comment)
       *[other] { $votes } votes (with their comments)
    } and the text of { $questions ->
        [one] { $questions } question
       *[other] { $questions } questions
    } you asked here. Anonymous counts stay in the statistics.
kb-forgot-traces = I also deleted { $posts ->
        [one] { $posts } post
       *[other] { $posts } posts
    } for the support team and renamed { $threads ->
        [one] { $threads } thread
       *[other] { $threads } threads
    } named after your questions.

## Slash commands: names (lowercase, no spaces, at most 32 characters) and
## descriptions (at most 100 characters), of each command, subcommand and
## option. The English names are the commands' own.

cmd-ask = ask
cmd-ask-description = Ask the help desk a question about your email
cmd-ask-question = question
cmd-ask-question-description = Your question
cmd-recommend = recommend
cmd-recommend-description = Answer a few quick questions and get IMAP or POP recommended
cmd-kb = kb
cmd-kb-description = The help desk's knowledge and statistics; forget-me for everyone
cmd-kb-stats = stats
cmd-kb-stats-description = How often each answer was shown and how people voted, with a chart
cmd-kb-unanswered = unanswered
cmd-kb-unanswered-description = Recent questions nobody had an answer for
cmd-kb-gaps = gaps
cmd-kb-gaps-description = Unanswered questions grouped by similarity: what to write next
cmd-kb-show = show
cmd-kb-show-description = Show one knowledge entry as people see it
cmd-kb-show-entry = entry
cmd-kb-show-entry-description = The entry's id
cmd-kb-reload = reload
cmd-kb-reload-description = Re-read the knowledge folder (the old knowledge stays if it is invalid)
cmd-kb-learned = learned
cmd-kb-learned-description = Questions the support team answered from triage, which the bot learned
cmd-kb-learned-page = page
cmd-kb-learned-page-description = Page (10 per page, newest first)
cmd-kb-unlearn = unlearn
cmd-kb-unlearn-description = Forget one learned example (its id is in /kb learned)
cmd-kb-unlearn-id = id
cmd-kb-unlearn-id-description = The learned example's id, from /kb learned
cmd-kb-forget-me = forget-me
cmd-kb-forget-me-description = Delete your stored questions, comments and votes
