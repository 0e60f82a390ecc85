# helpdesk's terminal front end (`helpdesk chat`).

chat-how-to-end = Eine leere Zeile beendet den Chat.
chat-no-answer = Dazu habe ich leider noch keine Antwort. Die Frage steht jetzt auf der Liste der unbeantworteten Fragen für das Support-Team (`helpdesk stats`).
chat-related = (Passt vielleicht auch: { $titles })
chat-untranslated = (Diese Antwort gibt es noch nicht auf Deutsch, hier ist die englische.)
chat-offer-dialogue = Soll ich dir mit ein paar kurzen Fragen bei der Wahl helfen? [j/n]
chat-recommendation = Meine Empfehlung: { $label }
# The keys that go back and restart in a dialogue.
chat-back-key = z
chat-restart-key = n
chat-dialogue-keys = z) zurück  n) neu anfangen
chat-dialogue-invalid = Bitte gib eine Zahl von 1 bis { $count }, z oder n ein.
chat-did-this-help = Hat dir das geholfen? [j/n]
chat-thanks = Super, danke für die Rückmeldung!
chat-ask-improvement = Das tut mir leid. Was könnten wir an dieser Antwort besser machen? (Enter überspringt)
chat-comment-stored = Danke, ich habe das mit deiner Bewertung für das Support-Team gespeichert (`helpdesk export`).
chat-yes-or-no = Bitte antworte mit j oder n.
chat-yes-words = j ja y yes
chat-no-words = n nein no
chat-bye = Tschüss!
