//! The custom ids of buttons, selects and modals, encoded and decoded in
//! one place.
//!
//! Every id starts with a version prefix so components posted by an older
//! release are recognised as stale rather than misread. An id carries only
//! keys (answer or dialogue session ids); everything else is loaded from the
//! store, so a component keeps working after a restart.

use std::fmt;

use crate::store::{AnswerId, SessionId};

/// The prefix of every component this version posts.
pub const PREFIX: &str = "hd1";
/// Discord's limit on a custom id.
const MAX_LEN: usize = 100;

/// What a component does when used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Vote on an answer.
    Vote {
        answer: AnswerId,
        helpful: bool,
    },
    /// Start the dialogue an answer offers.
    Choose {
        answer: AnswerId,
    },
    /// Ask for a person.
    Human {
        answer: AnswerId,
    },
    /// The "Did you mean…" select of an answer.
    Alternative {
        answer: AnswerId,
    },
    /// The improvement modal of a "not helpful" vote.
    Improve {
        answer: AnswerId,
    },
    /// Answer the current question of a dialogue session.
    DialogueAnswer {
        session: SessionId,
        slot: String,
        value: String,
    },
    DialogueBack {
        session: SessionId,
    },
    DialogueRestart {
        session: SessionId,
    },
    /// A control on a post for staff in the triage channel.
    Triage {
        /// The post's id in the store.
        post: i64,
        act: TriageAct,
    },
}

/// What a control on a post for staff does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageAct {
    /// The "Answer with…" select.
    Answer,
    /// The search modal, opened from the select's "Search…" option.
    Search,
    OutOfScope,
    Claim,
    Resolve,
    /// Where to edit the entry a comment is about.
    EditEntry,
}

impl TriageAct {
    const ALL: [Self; 6] = [
        Self::Answer,
        Self::Search,
        Self::OutOfScope,
        Self::Claim,
        Self::Resolve,
        Self::EditEntry,
    ];

    fn of(word: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|act| act.word() == word)
    }

    fn word(self) -> &'static str {
        match self {
            Self::Answer => "answer",
            Self::Search => "search",
            Self::OutOfScope => "oos",
            Self::Claim => "claim",
            Self::Resolve => "done",
            Self::EditEntry => "edit",
        }
    }
}

/// Why an id could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("custom id from another version or application")]
    ForeignVersion,
    #[error("malformed custom id")]
    Malformed,
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Vote { answer, helpful } => {
                write!(
                    f,
                    "{PREFIX}:vote:{answer}:{}",
                    if *helpful { "up" } else { "down" }
                )
            }
            Self::Choose { answer } => write!(f, "{PREFIX}:choose:{answer}"),
            Self::Human { answer } => write!(f, "{PREFIX}:human:{answer}"),
            Self::Alternative { answer } => write!(f, "{PREFIX}:alt:{answer}"),
            Self::Improve { answer } => write!(f, "{PREFIX}:improve:{answer}"),
            Self::DialogueAnswer {
                session,
                slot,
                value,
            } => write!(f, "{PREFIX}:dlg:{session}:set:{slot}:{value}"),
            Self::DialogueBack { session } => write!(f, "{PREFIX}:dlg:{session}:back"),
            Self::DialogueRestart { session } => write!(f, "{PREFIX}:dlg:{session}:restart"),
            Self::Triage { post, act } => write!(f, "{PREFIX}:tri:{post}:{}", act.word()),
        }
    }
}

impl Action {
    /// The id as sent to Discord. Slots and values come from validated
    /// knowledge (letters, digits, dashes), so ids stay far under the limit.
    pub fn encode(&self) -> String {
        self.to_string()
    }

    pub fn parse(id: &str) -> Result<Self, ParseError> {
        if id.len() > MAX_LEN {
            return Err(ParseError::Malformed);
        }
        let mut parts = id.split(':');
        if parts.next() != Some(PREFIX) {
            return Err(ParseError::ForeignVersion);
        }
        let parts: Vec<&str> = parts.collect();
        // Only the canonical form ("7", never "07") is accepted, so one id
        // means one thing.
        let number = |text: &str| {
            text.parse::<i64>()
                .ok()
                .filter(|n| *n > 0 && !text.starts_with('0') && !text.starts_with('+'))
        };
        let answer_id = |text: &str| number(text).map(AnswerId).ok_or(ParseError::Malformed);
        let session_id = |text: &str| number(text).map(SessionId).ok_or(ParseError::Malformed);
        let action = match parts.as_slice() {
            ["vote", answer, "up"] => Self::Vote {
                answer: answer_id(answer)?,
                helpful: true,
            },
            ["vote", answer, "down"] => Self::Vote {
                answer: answer_id(answer)?,
                helpful: false,
            },
            ["choose", answer] => Self::Choose {
                answer: answer_id(answer)?,
            },
            ["human", answer] => Self::Human {
                answer: answer_id(answer)?,
            },
            ["alt", answer] => Self::Alternative {
                answer: answer_id(answer)?,
            },
            ["improve", answer] => Self::Improve {
                answer: answer_id(answer)?,
            },
            ["dlg", session, "set", slot, value] if is_word(slot) && is_word(value) => {
                Self::DialogueAnswer {
                    session: session_id(session)?,
                    slot: (*slot).to_owned(),
                    value: (*value).to_owned(),
                }
            }
            ["dlg", session, "back"] => Self::DialogueBack {
                session: session_id(session)?,
            },
            ["dlg", session, "restart"] => Self::DialogueRestart {
                session: session_id(session)?,
            },
            ["tri", post, act] => Self::Triage {
                post: number(post).ok_or(ParseError::Malformed)?,
                act: TriageAct::of(act).ok_or(ParseError::Malformed)?,
            },
            _ => return Err(ParseError::Malformed),
        };
        Ok(action)
    }
}

fn is_word(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_action_round_trips() {
        let actions = [
            Action::Vote {
                answer: AnswerId(7),
                helpful: true,
            },
            Action::Vote {
                answer: AnswerId(7),
                helpful: false,
            },
            Action::Choose {
                answer: AnswerId(1),
            },
            Action::Human {
                answer: AnswerId(2),
            },
            Action::Alternative {
                answer: AnswerId(3),
            },
            Action::Improve {
                answer: AnswerId(4),
            },
            Action::DialogueAnswer {
                session: SessionId(5),
                slot: "devices".into(),
                value: "several".into(),
            },
            Action::DialogueBack {
                session: SessionId(6),
            },
            Action::DialogueRestart {
                session: SessionId(6),
            },
        ]
        .into_iter()
        .chain(TriageAct::ALL.into_iter().map(|act| Action::Triage {
            post: i64::MAX,
            act,
        }));
        for action in actions {
            let id = action.encode();
            assert!(id.len() <= MAX_LEN);
            assert_eq!(Action::parse(&id), Ok(action));
        }
    }

    #[test]
    fn ids_from_elsewhere_are_told_apart_from_broken_ones() {
        assert_eq!(
            Action::parse("hd0:vote:1:up"),
            Err(ParseError::ForeignVersion)
        );
        assert_eq!(Action::parse("vote:1:up"), Err(ParseError::ForeignVersion));
        assert_eq!(
            Action::parse("hd1:vote:1:maybe"),
            Err(ParseError::Malformed)
        );
        assert_eq!(Action::parse("hd1:vote:-1:up"), Err(ParseError::Malformed));
        assert_eq!(
            Action::parse("hd1:vote:99999999999999999999:up"),
            Err(ParseError::Malformed)
        );
        assert_eq!(
            Action::parse("hd1:dlg:1:set:dev ices:one"),
            Err(ParseError::Malformed)
        );
        assert_eq!(Action::parse(""), Err(ParseError::ForeignVersion));
        assert_eq!(Action::parse("hd1:tri:1:nope"), Err(ParseError::Malformed));
        assert_eq!(Action::parse("hd1:tri:0:claim"), Err(ParseError::Malformed));
        assert_eq!(Action::parse("hd1:tri:claim"), Err(ParseError::Malformed));
    }

    proptest! {
        #[test]
        fn parsing_any_text_never_panics(id in any::<String>()) {
            let _ = Action::parse(&id);
        }

        #[test]
        fn parsed_ids_encode_back_to_themselves(id in "hd1:(vote|dlg|alt|human|choose|improve|tri):[0-9]{1,5}(:[a-z]{1,8}){0,3}") {
            if let Ok(action) = Action::parse(&id) {
                prop_assert_eq!(action.encode(), id);
            }
        }
    }
}
