//! `/kb stats` on Discord: the staff's statistics as text with a chart
//! uploaded beside it, through the real serenity client and the stand-in,
//! which checks the upload (`multipart/form-data`) against the contract.

use crate::common;
use crate::support;

use helpdesk::chart;
use serde_json::json;
use support::bot::{ask_in, standin, Workspace, ROLE, TEXT, WAIT};
use support::standin::{InteractionCallback, StandIn, UserSpec};

fn staff_member() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_051, "helper").with_roles(&[ROLE])
}

fn asker() -> UserSpec {
    UserSpec::new(3_000_000_000_000_000_052, "ann")
}

/// Runs `/kb stats` as `user`: the interaction's id and the bot's callback.
async fn kb_stats(standin: &StandIn, user: &UserSpec) -> (u64, InteractionCallback) {
    let command = standin.slash_command(
        user,
        standin.guild_id(),
        TEXT,
        "kb",
        json!([{"name": "stats", "type": 1, "options": []}]),
    );
    (
        command.id,
        standin.wait_interaction_response(command.id, WAIT).await,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kb_stats_uploads_a_chart_beside_the_text_for_staff_only() {
    let standin = standin().start().await;
    let workspace = Workspace::new();
    let _bot = support::InProcess::start(&standin, &workspace, &[]).await;
    // An answer voted helpful, so the chart has a bar of every kind.
    let (thread, answer) = ask_in(&standin, TEXT, &asker(), "Should I use POP or IMAP?").await;
    let click = standin.click_button(
        &asker(),
        standin.guild_id(),
        thread,
        answer.id,
        &support::vote(&answer, true),
    );
    standin.wait_interaction_response(click.id, WAIT).await;

    let (command, reply) = kb_stats(&standin, &staff_member()).await;
    assert!(reply.is_ephemeral());
    let embed = &reply.data["embeds"][0];
    let text = embed["description"].as_str().unwrap_or_default();
    assert!(text.contains("**1** answers shown"), "{text}");
    assert!(text.contains("Votes: 👍 1 · 👎 0"), "{text}");
    assert_eq!(reply.files.len(), 1, "one file uploaded");
    let file = &reply.files[0];
    let filename = file.filename.as_deref().expect("a file name");
    assert!(filename.ends_with(".png"), "{filename}");
    assert_eq!(file.content_type.as_deref(), Some("image/png"));
    assert_eq!(
        common::png_size(&file.bytes),
        (chart::WIDTH, chart::HEIGHT),
        "a PNG of the chart's size"
    );
    // The embed shows the uploaded chart, and the message carries it.
    assert_eq!(embed["image"]["url"], format!("attachment://{filename}"));
    let message = standin
        .original_response(command)
        .expect("the response message");
    assert_eq!(message.files, reply.files);
    assert_eq!(message.json["attachments"][0]["filename"], filename);
    assert_eq!(
        message.json["attachments"][0]["size"],
        json!(file.bytes.len())
    );

    // Someone who is not staff is refused, with nothing uploaded.
    let (_, refused) = kb_stats(&standin, &asker()).await;
    assert!(
        refused
            .content()
            .is_some_and(|t| t.contains("support role")),
        "{:?}",
        refused.data
    );
    assert!(refused.files.is_empty());
    assert!(refused.data["embeds"].as_array().is_none_or(Vec::is_empty));
    standin.assert_no_violations();
}
