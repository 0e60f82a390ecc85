# helpdesk's terminal front end (`helpdesk chat`).

chat-how-to-end = Una línea vacía termina el chat.
chat-no-answer = Lo siento, todavía no tengo respuesta para eso. Ya está en la lista de preguntas sin respuesta del equipo de soporte (`helpdesk stats`).
chat-related = (Relacionado: { $titles })
chat-untranslated = (Esta respuesta aún no está disponible en español; aquí tienes la versión en inglés.)
chat-offer-dialogue = ¿Quieres que te ayude a elegir con unas preguntas rápidas? [s/n]
chat-recommendation = Mi recomendación: { $label }
# The keys that go back and restart in a dialogue.
chat-back-key = a
chat-restart-key = r
chat-dialogue-keys = a) atrás  r) empezar de nuevo
chat-dialogue-invalid = Escribe un número del 1 al { $count }, a o r.
chat-did-this-help = ¿Te ha servido? [s/n]
chat-thanks = ¡Genial, gracias por contármelo!
chat-ask-improvement = Lo siento. ¿Cómo podríamos mejorar esta respuesta? (Enter para saltar)
chat-comment-stored = Gracias, lo he guardado con tu voto para el equipo de soporte (`helpdesk export`).
chat-yes-or-no = Responde s o n.
chat-yes-words = s si sí y yes
chat-no-words = n no
chat-bye = ¡Hasta luego!
