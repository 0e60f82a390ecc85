# helpdesk's terminal front end (`helpdesk chat`).

chat-how-to-end = An empty line ends the chat.
chat-no-answer = Sorry, I don't have an answer for that one. It's now on the support team's list of unanswered questions (`helpdesk stats`).
chat-related = (Related: { $titles })
chat-untranslated = (This answer isn't available in English yet.)
chat-offer-dialogue = Want me to help you choose with a few quick questions? [y/n]
chat-recommendation = My recommendation: { $label }
# The keys that go back and restart in a dialogue.
chat-back-key = b
chat-restart-key = r
chat-dialogue-keys = b) back  r) restart
chat-dialogue-invalid = Please type a number from 1 to { $count }, b or r.
chat-did-this-help = Did this help? [y/n]
chat-thanks = Great, thanks for letting me know!
chat-ask-improvement = Sorry about that. How could this answer be improved? (Enter skips)
chat-comment-stored = Thanks, I've stored that with your vote for the support team (`helpdesk export`).
chat-yes-or-no = Please answer y or n.
# The letters and words that answer a yes/no question, separated by spaces.
chat-yes-words = y yes
chat-no-words = n no
chat-bye = Bye!
