//! Runs the real `helpdesk serve` binary against a [`StandIn`], as a
//! separate process, so tests can kill and restart it like production.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::standin::{StandIn, StandInBuilder};

pub const WAIT: Duration = Duration::from_secs(15);
pub const TEXT: u64 = 2_100_000_000_000_000_001;
pub const FORUM: u64 = 2_100_000_000_000_000_002;
pub const TRIAGE: u64 = 2_100_000_000_000_000_003;
pub const OTHER: u64 = 2_100_000_000_000_000_004;
pub const ROLE: u64 = 2_200_000_000_000_000_001;
pub const FORUM_TAGS: &[&str] = &["IMAP", "POP", "Quota", "Solved", "Needs human", "Offtopic"];

/// The stand-in every bot test uses: a watched text channel and forum, a
/// triage channel, an unwatched channel and the support role.
pub fn standin() -> StandInBuilder {
    StandIn::builder()
        .text_channel(TEXT)
        .forum_channel(FORUM, FORUM_TAGS)
        .text_channel(TRIAGE)
        .text_channel(OTHER)
        .role(ROLE, "Support", 0)
}

/// A running `helpdesk serve`; killed when dropped.
pub struct Bot {
    child: Child,
    pub log: PathBuf,
}

/// A scratch folder with the database and logs of one test.
pub struct Workspace {
    dir: tempfile::TempDir,
}

impl Workspace {
    pub fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn database_url(&self) -> String {
        format!("sqlite://{}", self.dir.path().join("helpdesk.db").display())
    }

    /// Opens the bot's database, as staff tools would.
    pub async fn store(&self) -> helpdesk::store::SqliteStore {
        helpdesk::store::SqliteStore::open(&self.database_url())
            .await
            .expect("database opens")
    }
}

pub fn knowledge_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("knowledge")
}

impl Bot {
    /// Starts the binary and waits until it is connected and has registered
    /// its commands.
    pub async fn start(standin: &StandIn, workspace: &Workspace, extra: &[(&str, &str)]) -> Bot {
        let registered_before = standin
            .requests_to("PUT", "/applications/{application_id}/commands")
            .len();
        let bot = Self::spawn(standin, workspace, extra);
        standin
            .wait_until_true("the bot to register its commands", WAIT, |s| {
                s.requests_to("PUT", "/applications/{application_id}/commands")
                    .len()
                    > registered_before
            })
            .await;
        bot
    }

    pub fn spawn(standin: &StandIn, workspace: &Workspace, extra: &[(&str, &str)]) -> Bot {
        let log = workspace
            .path()
            .join(format!("bot-{}.log", standin.snowflake()));
        let log_file = std::fs::File::create(&log).expect("log file");
        let mut command = Command::new(env!("CARGO_BIN_EXE_helpdesk"));
        command
            .arg("serve")
            .current_dir(workspace.path())
            .env("DISCORD_TOKEN", "standin-secret-token")
            .env("DISCORD_API_BASE", standin.base_url())
            .env("HELPDESK_SUPPORT_CHANNELS", format!("{TEXT},{FORUM}"))
            .env("HELPDESK_SUPPORT_ROLE", ROLE.to_string())
            .env("HELPDESK_TRIAGE_CHANNEL", TRIAGE.to_string())
            .env("HELPDESK_DATABASE_URL", workspace.database_url())
            .env("HELPDESK_KNOWLEDGE", knowledge_dir())
            .env("RUST_LOG", "info,helpdesk=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("helpdesk serve starts");
        Bot { child, log }
    }

    /// Ends the process at once, as a crash or `kill -9` would.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn logs(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Bot {
    fn drop(&mut self) {
        self.kill();
        // A failing test shows what the bot said.
        if std::thread::panicking() {
            eprintln!("--- helpdesk serve log ---\n{}", self.logs());
        }
    }
}
