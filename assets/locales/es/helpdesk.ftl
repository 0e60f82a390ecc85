# helpdesk's text in this language: see README, "Languages".
#
# Español, tuteando. Los ids y sus grupos siguen el archivo inglés
# (assets/locales/en/helpdesk.ftl), que es la referencia.

## Answers, in the thread they are asked in

answer-button-helpful = Me ayudó
answer-button-not-helpful = No me ayudó
answer-button-choose = Ayúdame a elegir
answer-button-human = Hablar con una persona
answer-did-you-mean = ¿Quisiste decir…?
answer-footer = ¿Te ayudó? 👍 { $helpful } · 👎 { $not_helpful }
answer-untranslated = Esta respuesta aún no está en español, aquí la tienes en inglés.

## The honest reply when the knowledge has no answer

no-answer-title = Todavía no tengo respuesta para eso
no-answer-escalated = Lo siento, eso no es algo que sepa. Se lo he pasado al equipo de soporte; alguien lo revisará aquí.
no-answer-noted = Lo siento, eso no es algo que sepa. Lo he anotado para el equipo de soporte.

## The recommendation dialogue

dialogue-step-title = { $title } · pregunta { $number }
dialogue-not-sure = No lo sé
dialogue-back = Atrás
dialogue-restart = Empezar de nuevo
dialogue-recommendation = Mi recomendación: { $label }
dialogue-why = Por qué:
dialogue-keep-in-mind = Ten en cuenta:
dialogue-none = No hay ningún diálogo de recomendación en esta base de conocimiento.

## Threads

thread-name-fallback = Pregunta de { $asker }
thread-name-forgotten = Pregunta sobre correo

## Votes and the improvement modal

vote-thanks = ¡Gracias por tu voto! Me alegra que te haya ayudado. 🎉
improve-title = ¿Cómo podemos mejorar esta respuesta?
improve-label = ¿Qué faltaba o estaba mal? (opcional)
improve-placeholder = p. ej., no hablaba de mi programa de correo
improve-thanks-vote = ¡Gracias por tu voto! Nos ayuda a mejorar las respuestas.
improve-thanks-comment = ¡Gracias! He pasado tu sugerencia al equipo de soporte.

## "Talk to a human"

human-asked = He pedido al equipo de soporte que le eche un vistazo. Alguien te responderá aquí.
human-already = Ya se ha pedido al equipo de soporte que lo revise. Alguien te responderá aquí.
human-nobody = Lo siento, aquí todavía no hay un equipo de soporte configurado. Puede que un moderador te ayude si preguntas en el canal.
human-only-asker-or-staff = Solo quien hizo la pregunta, o el equipo de soporte, puede llamar a una persona para esta respuesta.

## Refusals, errors and load

error-stale = Este botón pertenece a una conversación que ya ha avanzado. Vuelve a hacer tu pregunta o usa `/recomendar` para empezar una recomendación nueva.
error-unknown-button = Lo siento, no reconozco ese botón.
error-not-yours = Esta recomendación es de otra persona. ¡Empieza la tuya con `/recomendar`!
error-not-your-question = Estas sugerencias son para quien hizo la pregunta. ¡Haz tu propia pregunta y te responderé!
error-try-again = Lo siento, algo ha fallado por mi parte. Vuelve a intentarlo en un momento.
error-cannot-answer = Lo siento, ahora mismo no puedo responder. Vuelve a intentarlo en un momento.
busy = Estoy ocupado, vuelve a intentarlo en un momento.
swamped = Ahora mismo estoy desbordado, así que una persona del equipo de soporte revisará esto. ¡Gracias por tu paciencia!
cooldown-questions = Preguntas más rápido de lo que puedo seguir. Espera un minuto y vuelve a preguntar.
cooldown-clicks = Vas más rápido de lo que puedo seguir. Espera un minuto y vuelve a intentarlo.

## Calling the support team (in the asker's thread, and the triage channel)

escalation-ping = <@&{ $role }> esta pregunta necesita a una persona.
triage-no-answer = <@{ $asker }> hizo una pregunta para la que no tenía respuesta: { $link }
triage-human = <@{ $asker }> pidió hablar con una persona tras la respuesta `{ $entry }`: { $link }
triage-text-not-kept = (el texto de la pregunta no se guarda)
triage-comment = Sugerencia de mejora para `{ $entry }` de <@{ $user }> ({ $link }):

## The controls on posts for staff, and what they answer

staff-answer-with = Responder con…
staff-search = Buscar…
staff-search-description = Encontrar otra entrada por su id o por palabras
staff-button-out-of-scope = Fuera de tema
staff-button-claim = Me lo quedo
staff-button-resolved = Resuelto
staff-button-edit-entry = Editar entrada
staff-search-title = Responder con otra entrada
staff-search-label = Id de la entrada o palabras
staff-search-placeholder = p. ej., mailbox-quota, o: buzón lleno
staff-only = Lo siento, estos controles son para el equipo de soporte (el rol de soporte o «Gestionar servidor»).
staff-gone = Esta publicación pertenece a una pregunta que ya no tengo. No se ha cambiado nada.
staff-text-gone = El texto de la pregunta ya no se guarda (quien preguntó pidió ser olvidado, o pasó el periodo de conservación), así que no puedo responderla ni aprender de ella. Responde tú en el hilo, por favor.
staff-no-thread = No sé en qué hilo se hizo esta pregunta, así que responde allí tú, por favor.
staff-claimed = Se lo queda <@{ $staff }> { $when }
staff-resolved = Resuelto por <@{ $staff }> { $when }
staff-answered = Respondido por <@{ $staff }> con `{ $entry }` { $when }
staff-out-of-scope = Fuera de tema, según <@{ $staff }> { $when }
staff-claimed-reply = Es tuyo: la publicación lo indica.
staff-resolved-reply = Marcado como resuelto.
staff-answered-reply = Respondido en <#{ $thread }> con **{ $title }**. A partir de ahora responderé esta pregunta con ella.
staff-out-of-scope-reply = Anotado: esta pregunta está fuera de tema. Si vuelve a preguntarse, recibirá «sin entrada» sin llamar al equipo.
staff-refused = No he cambiado nada: { $reason }. Desaprende eso primero (`/kb aprendido`, `/kb desaprender`) o edita el conocimiento.
staff-no-match = Ninguna entrada coincide con `{ $typed }`. Prueba con otras palabras o con un id.
staff-pick-entry = Elige la entrada con la que responder:
staff-edit-entry = Edita `knowledge/{ $path }.md`. El comentario:
staff-comment-gone = (ya no se guarda)

## /kb

kb-not-staff = Esto es para el equipo de soporte: necesita el rol de soporte o el permiso «Gestionar servidor», en un servidor.
kb-stats-title = Estadísticas del servicio de ayuda
kb-stats-totals = **{ $answers }** { $answers ->
        [one] respuesta mostrada
       *[other] respuestas mostradas
    }, **{ $unanswered }** sin respuesta, **{ $escalated }** { $escalated ->
        [one] derivada
       *[other] derivadas
    } al equipo
kb-stats-share = Respondidas sin derivar: **{ $share }**
kb-stats-votes = Votos: 👍 { $helpful } · 👎 { $not_helpful }
kb-stats-header = entrada                    vista  👍   👎     útil  quien preguntó 👍/👎
kb-unanswered-title = Preguntas recientes sin respuesta
kb-unanswered-removed = (eliminada)
kb-unanswered-in = en <#{ $channel }>
kb-nothing-unanswered = No hay preguntas sin respuesta. 🎉
kb-gaps-title = Lo que el conocimiento aún no cubre
kb-gaps-group = **{ $count }×**, { $nearest }
kb-gaps-nearest = la más cercana: `{ $entry }` ({ $confidence })
kb-gaps-none-near = ninguna entrada cercana
kb-show-missing = No hay ninguna entrada `{ $entry }`.
kb-show-id = id
kb-show-tags = etiquetas
kb-show-examples = ejemplos
kb-reload-not-home = Todos los servidores en los que está este bot comparten el conocimiento, así que solo el equipo de soporte de su servidor principal puede recargarlo.
kb-reload-done = { $entries ->
        [one] Recargada { $entries } entrada
       *[other] Recargadas { $entries } entradas
    } desde `{ $source }`.
kb-reload-errors = El conocimiento tiene errores, así que he mantenido la versión anterior:
kb-learned-title = Aprendido del equipo de soporte
kb-learned-line = **#{ $id }** → { $entry }, por <@{ $staff }> { $when }
kb-learned-not-in-scope = fuera de tema
kb-learned-none = Aún no he aprendido nada: responde una pregunta desde el canal de triaje para enseñarme una.
kb-learned-footer = Página { $page } de { $pages } · { $count } { $count ->
        [one] aprendido
       *[other] aprendidos
    } · /kb desaprender <id> para deshacer uno
kb-unlearned = Desaprendido #{ $id }: ya no respondo esa pregunta con { $entry }.
kb-unlearned-not-in-scope = «fuera de tema»
kb-unlearn-missing = Aquí no hay ningún ejemplo aprendido #{ $id }; `/kb aprendido` los muestra.
kb-forgot = Hecho. He borrado { $votes ->
        [one] { $votes } voto (con su comentario)
       *[other] { $votes } votos (con sus comentarios)
    } y el texto de { $questions ->
        [one] { $questions } pregunta
       *[other] { $questions } preguntas
    } que hiciste aquí. Los recuentos anónimos se quedan en las estadísticas.
kb-forgot-traces = También he borrado { $posts ->
        [one] { $posts } publicación
       *[other] { $posts } publicaciones
    } para el equipo de soporte y he renombrado { $threads ->
        [one] { $threads } hilo
       *[other] { $threads } hilos
    } con el nombre de tus preguntas.

## Slash commands: names (lowercase, no spaces, at most 32 characters) and
## descriptions (at most 100 characters), of each command, subcommand and
## option. The English names are the commands' own.

cmd-ask = preguntar
cmd-ask-description = Haz una pregunta sobre tu correo al servicio de ayuda
cmd-ask-question = pregunta
cmd-ask-question-description = Tu pregunta
cmd-recommend = recomendar
cmd-recommend-description = Responde unas preguntas rápidas y te recomiendo IMAP o POP
cmd-kb = kb
cmd-kb-description = Conocimiento y estadísticas del servicio de ayuda; olvídame para todos
cmd-kb-stats = estadísticas
cmd-kb-stats-description = Cuántas veces se mostró cada respuesta y cómo se votó, con un gráfico
cmd-kb-unanswered = sin-respuesta
cmd-kb-unanswered-description = Preguntas recientes para las que nadie tenía respuesta
cmd-kb-gaps = lagunas
cmd-kb-gaps-description = Preguntas sin respuesta agrupadas por parecido: qué escribir a continuación
cmd-kb-show = mostrar
cmd-kb-show-description = Muestra una entrada del conocimiento tal como la ve la gente
cmd-kb-show-entry = entrada
cmd-kb-show-entry-description = El id de la entrada
cmd-kb-reload = recargar
cmd-kb-reload-description = Vuelve a leer la carpeta de conocimiento (si no es válida, se queda la anterior)
cmd-kb-learned = aprendido
cmd-kb-learned-description = Preguntas que el equipo de soporte respondió desde triaje y que el bot aprendió
cmd-kb-learned-page = página
cmd-kb-learned-page-description = Página (10 por página, las más nuevas primero)
cmd-kb-unlearn = desaprender
cmd-kb-unlearn-description = Olvida un ejemplo aprendido (su id está en /kb aprendido)
cmd-kb-unlearn-id = id
cmd-kb-unlearn-id-description = El id del ejemplo aprendido, de /kb aprendido
cmd-kb-forget-me = olvídame
cmd-kb-forget-me-description = Borra tus preguntas, comentarios y votos guardados
