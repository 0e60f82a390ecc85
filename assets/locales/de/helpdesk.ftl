# helpdesk's text in this language: see README, "Languages".
#
# Deutsch, in der Du-Form. Die Ids und ihre Gruppen folgen der englischen
# Datei (assets/locales/en/helpdesk.ftl), die Referenz ist.

## Answers, in the thread they are asked in

answer-button-helpful = Hilfreich
answer-button-not-helpful = Nicht hilfreich
answer-button-choose = Hilf mir bei der Wahl
answer-button-human = Mit einem Menschen sprechen
answer-did-you-mean = Meintest du…
answer-footer = Hat dir das geholfen? 👍 { $helpful } · 👎 { $not_helpful }
answer-untranslated = Diese Antwort gibt es noch nicht auf Deutsch, hier ist die englische.

## The honest reply when the knowledge has no answer

no-answer-title = Darauf habe ich noch keine Antwort
no-answer-escalated = Tut mir leid, damit kenne ich mich nicht aus. Ich habe die Frage an das Support-Team weitergegeben; jemand schaut sie sich hier an.
no-answer-noted = Tut mir leid, damit kenne ich mich nicht aus. Ich habe die Frage für das Support-Team notiert.

## The recommendation dialogue

dialogue-step-title = { $title } · Frage { $number }
dialogue-not-sure = Weiß nicht
dialogue-back = Zurück
dialogue-restart = Neu starten
dialogue-recommendation = Meine Empfehlung: { $label }
dialogue-why = Warum:
dialogue-keep-in-mind = Gut zu wissen:
dialogue-none = In dieser Wissensdatenbank gibt es keinen Empfehlungsdialog.

## Threads

thread-name-fallback = Frage von { $asker }
thread-name-forgotten = Frage zu E-Mails

## Votes and the improvement modal

vote-thanks = Danke für deine Stimme! Schön, dass es geholfen hat. 🎉
improve-title = Wie können wir diese Antwort verbessern?
improve-label = Was fehlte oder war falsch? (optional)
improve-placeholder = z. B. mein Mailprogramm kam nicht vor
improve-thanks-vote = Danke für deine Stimme! Sie hilft uns, die Antworten zu verbessern.
improve-thanks-comment = Danke! Ich habe deinen Vorschlag an das Support-Team weitergegeben.

## "Talk to a human"

human-asked = Ich habe das Support-Team gebeten, sich das anzusehen. Jemand antwortet dir hier.
human-already = Das Support-Team wurde schon gebeten, sich das anzusehen. Jemand antwortet dir hier.
human-nobody = Hier ist leider noch kein Support-Team eingerichtet. Vielleicht hilft dir eine Moderatorin oder ein Moderator, wenn du im Kanal fragst.
human-only-asker-or-staff = Nur die Person, die gefragt hat, oder das Support-Team kann für diese Antwort einen Menschen rufen.

## Refusals, errors and load

error-stale = Dieser Button gehört zu einem Gespräch, das schon weiter ist. Stell deine Frage noch einmal oder starte mit `/empfehlung` eine neue Empfehlung.
error-unknown-button = Tut mir leid, diesen Button kenne ich nicht.
error-not-yours = Diese Empfehlung gehört jemand anderem. Starte deine eigene mit `/empfehlung`!
error-not-your-question = Diese Vorschläge sind für die Person, die gefragt hat. Stell deine eigene Frage, dann antworte ich dir!
error-try-again = Tut mir leid, bei mir ist etwas schiefgelaufen. Bitte versuch es gleich noch einmal.
error-cannot-answer = Tut mir leid, ich kann gerade nicht antworten. Bitte versuch es gleich noch einmal.
busy = Ich bin gerade beschäftigt, bitte versuch es gleich noch einmal.
swamped = Ich komme gerade kaum hinterher, deshalb schaut sich jemand aus dem Support-Team deine Frage an. Danke für deine Geduld!
cooldown-questions = Du fragst schneller, als ich mitkomme. Bitte warte eine Minute und frag dann noch einmal.
cooldown-clicks = Du bist schneller, als ich mitkomme. Bitte warte eine Minute und versuch es dann noch einmal.

## Calling the support team (in the asker's thread, and the triage channel)

escalation-ping = <@&{ $role }> diese Frage braucht einen Menschen.
triage-no-answer = <@{ $asker }> hat eine Frage gestellt, auf die ich keine Antwort hatte: { $link }
triage-human = <@{ $asker }> möchte nach der Antwort `{ $entry }` mit einem Menschen sprechen: { $link }
triage-text-not-kept = (der Text der Frage wird nicht aufbewahrt)
triage-comment = Verbesserungsvorschlag zu `{ $entry }` von <@{ $user }> ({ $link }):

## The controls on posts for staff, and what they answer

staff-answer-with = Antworten mit…
staff-search = Suchen…
staff-search-description = Einen anderen Eintrag über seine Id oder Wörter finden
staff-button-out-of-scope = Nicht unser Thema
staff-button-claim = Übernehmen
staff-button-resolved = Erledigt
staff-button-edit-entry = Eintrag bearbeiten
staff-search-title = Mit einem anderen Eintrag antworten
staff-search-label = Id des Eintrags oder Wörter
staff-search-placeholder = z. B. mailbox-quota oder: Postfach voll
staff-only = Tut mir leid, diese Schaltflächen sind für das Support-Team (die Support-Rolle oder „Server verwalten“).
staff-gone = Dieser Beitrag gehört zu einer Frage, die ich nicht mehr habe. Es wurde nichts geändert.
staff-text-gone = Der Text der Frage wird nicht mehr aufbewahrt (die fragende Person wurde vergessen, oder die Aufbewahrungsfrist ist abgelaufen), deshalb kann ich weder antworten noch daraus lernen. Bitte antworte selbst im Thread.
staff-no-thread = Ich weiß nicht, in welchem Thread diese Frage gestellt wurde, bitte antworte dort selbst.
staff-claimed = Übernommen von <@{ $staff }> { $when }
staff-resolved = Erledigt von <@{ $staff }> { $when }
staff-answered = Beantwortet von <@{ $staff }> mit `{ $entry }` { $when }
staff-out-of-scope = Nicht unser Thema, sagt <@{ $staff }> { $when }
staff-claimed-reply = Gehört dir: Der Beitrag zeigt es an.
staff-resolved-reply = Als erledigt markiert.
staff-answered-reply = In <#{ $thread }> mit **{ $title }** beantwortet. Ab jetzt beantworte ich diese Frage damit.
staff-out-of-scope-reply = Notiert: Diese Frage ist nicht unser Thema. Wird sie wieder gestellt, bekommt sie „kein Eintrag“, ohne dass das Team gerufen wird.
staff-refused = Ich habe nichts geändert: { $reason }. Verlerne das zuerst (`/kb gelernt`, `/kb verlernen`) oder bearbeite das Wissen.
staff-no-match = Kein Eintrag passt zu `{ $typed }`. Versuch es mit anderen Wörtern oder einer Id.
staff-pick-entry = Wähl den Eintrag, mit dem geantwortet werden soll:
staff-edit-entry = Bearbeite `knowledge/{ $path }.md`. Der Kommentar:
staff-comment-gone = (nicht mehr aufbewahrt)

## /kb

kb-not-staff = Das ist für das Support-Team: Es braucht die Support-Rolle oder die Berechtigung „Server verwalten“, auf einem Server.
kb-stats-title = Statistik des Helpdesks
kb-stats-totals = **{ $answers }** { $answers ->
        [one] Antwort
       *[other] Antworten
    } gezeigt, **{ $unanswered }** unbeantwortet, **{ $escalated }** weitergegeben
kb-stats-share = Ohne Weitergabe beantwortet: **{ $share }**
kb-stats-votes = Stimmen: 👍 { $helpful } · 👎 { $not_helpful }
kb-stats-header = Eintrag                  gezeigt  👍   👎  hilfreich  Fragende 👍/👎
kb-unanswered-title = Unbeantwortete Fragen der letzten Zeit
kb-unanswered-removed = (entfernt)
kb-unanswered-in = in <#{ $channel }>
kb-nothing-unanswered = Keine unbeantworteten Fragen. 🎉
kb-gaps-title = Was das Wissen noch nicht abdeckt
kb-gaps-group = **{ $count }×**, { $nearest }
kb-gaps-nearest = am nächsten: `{ $entry }` ({ $confidence })
kb-gaps-none-near = kein Eintrag in der Nähe
kb-show-missing = Es gibt keinen Eintrag `{ $entry }`.
kb-show-id = Id
kb-show-tags = Tags
kb-show-examples = Beispiele
kb-reload-not-home = Das Wissen teilen sich alle Server, auf denen dieser Bot ist, deshalb kann nur das Support-Team seines Heimatservers es neu laden.
kb-reload-done = { $entries ->
        [one] { $entries } Eintrag
       *[other] { $entries } Einträge
    } aus `{ $source }` neu geladen.
kb-reload-errors = Das Wissen enthält Fehler, deshalb habe ich die vorige Fassung behalten:
kb-learned-title = Vom Support-Team gelernt
kb-learned-line = **#{ $id }** → { $entry }, von <@{ $staff }> { $when }
kb-learned-not-in-scope = nicht unser Thema
kb-learned-none = Noch nichts gelernt: Beantworte eine Frage aus dem Triage-Kanal, um mir etwas beizubringen.
kb-learned-footer = Seite { $page } von { $pages } · { $count } gelernt · /kb verlernen <id> macht eines rückgängig
kb-unlearned = #{ $id } verlernt: Ich beantworte diese Frage nicht mehr mit { $entry }.
kb-unlearned-not-in-scope = „nicht unser Thema“
kb-unlearn-missing = Hier gibt es kein gelerntes Beispiel #{ $id }; `/kb gelernt` listet sie auf.
kb-forgot = Erledigt. Ich habe { $votes ->
        [one] { $votes } Stimme (mit ihrem Kommentar)
       *[other] { $votes } Stimmen (mit ihren Kommentaren)
    } gelöscht, dazu den Text von { $questions ->
        [one] { $questions } Frage
       *[other] { $questions } Fragen
    }, die du hier gestellt hast. Anonyme Zahlen bleiben in der Statistik.
kb-forgot-traces = Außerdem habe ich { $posts ->
        [one] { $posts } Beitrag
       *[other] { $posts } Beiträge
    } für das Support-Team gelöscht und { $threads ->
        [one] { $threads } Thread
       *[other] { $threads } Threads
    } umbenannt, die nach deinen Fragen benannt waren.

## Slash commands: names (lowercase, no spaces, at most 32 characters) and
## descriptions (at most 100 characters), of each command, subcommand and
## option. The English names are the commands' own.

cmd-ask = fragen
cmd-ask-description = Stell dem Helpdesk eine Frage zu deinen E-Mails
cmd-ask-question = frage
cmd-ask-question-description = Deine Frage
cmd-recommend = empfehlung
cmd-recommend-description = Beantworte ein paar kurze Fragen und erhalte eine Empfehlung: IMAP oder POP
cmd-kb = kb
cmd-kb-description = Wissen und Statistik des Helpdesks; vergiss-mich für alle
cmd-kb-stats = statistik
cmd-kb-stats-description = Wie oft jede Antwort gezeigt wurde und wie abgestimmt wurde, mit Diagramm
cmd-kb-unanswered = unbeantwortet
cmd-kb-unanswered-description = Fragen der letzten Zeit, auf die niemand eine Antwort hatte
cmd-kb-gaps = lücken
cmd-kb-gaps-description = Unbeantwortete Fragen nach Ähnlichkeit gruppiert: was als Nächstes zu schreiben ist
cmd-kb-show = zeigen
cmd-kb-show-description = Einen Eintrag des Wissens so zeigen, wie ihn alle sehen
cmd-kb-show-entry = eintrag
cmd-kb-show-entry-description = Die Id des Eintrags
cmd-kb-reload = neu-laden
cmd-kb-reload-description = Den Wissensordner neu einlesen (ist er fehlerhaft, bleibt das alte Wissen)
cmd-kb-learned = gelernt
cmd-kb-learned-description = Fragen, die das Support-Team aus der Triage beantwortet und der Bot gelernt hat
cmd-kb-learned-page = seite
cmd-kb-learned-page-description = Seite (10 pro Seite, neueste zuerst)
cmd-kb-unlearn = verlernen
cmd-kb-unlearn-description = Ein gelerntes Beispiel vergessen (seine Id steht in /kb gelernt)
cmd-kb-unlearn-id = id
cmd-kb-unlearn-id-description = Die Id des gelernten Beispiels, aus /kb gelernt
cmd-kb-forget-me = vergiss-mich
cmd-kb-forget-me-description = Lösche deine gespeicherten Fragen, Kommentare und Stimmen
