//! Runs the real `helpdesk serve` binary against a [`StandIn`], as a
//! separate process, so tests can kill and restart it like production.
//!
//! The binary is the one cargo builds for the helpdesk package's tests and
//! benches ([`helpdesk_binary`]); the knowledge is the project's
//! `knowledge/` folder.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::{MessageSpec, StandIn, StandInBuilder, StoredMessage, UserSpec};

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
    /// Where its `/healthz`, `/readyz` and `/metrics` answer.
    pub http_addr: SocketAddr,
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
}

impl Default for Workspace {
    fn default() -> Self {
        Self::new()
    }
}

/// Posts a question in a watched text channel and waits for the answer in
/// the thread started from it: (the question's id = the thread's id, the
/// answer).
pub async fn ask_in(
    standin: &StandIn,
    channel: u64,
    user: &UserSpec,
    text: &str,
) -> (u64, StoredMessage) {
    let question = standin.send_message(MessageSpec::new(channel, user, text));
    let answer = standin
        .wait_message_in(
            question,
            |m| m.author_id() == standin.bot_user_id() && !m.embeds().is_empty(),
            WAIT,
        )
        .await;
    (question, answer)
}

/// Everything an interaction's reply said: the callback's data and the
/// original response as edited since.
pub fn reply_text(standin: &StandIn, interaction: u64, data: &serde_json::Value) -> String {
    let mut text = data.to_string();
    if let Some(original) = standin.original_response(interaction) {
        text.push_str(&original.json.to_string());
    }
    text
}

/// A local address nothing listens on right now.
fn free_local_addr() -> SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address")
}

/// The project's root: this crate is `tests/standin/` in it.
fn project_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

pub fn knowledge_dir() -> PathBuf {
    project_dir().join("knowledge")
}

/// The `helpdesk` binary cargo built beside the program running now: tests
/// and benches run from `target/<profile>/deps/`, with the binary in
/// `target/<profile>/` (what `CARGO_BIN_EXE_helpdesk` names in the
/// package's own test and bench targets); the load tool `helpdesk-load`
/// runs from `target/<profile>/` itself.
pub fn helpdesk_binary() -> PathBuf {
    let running = std::env::current_exe().expect("the running executable's path");
    let name = format!("helpdesk{}", std::env::consts::EXE_SUFFIX);
    running
        .ancestors()
        .skip(1)
        .take(2)
        .map(|dir| dir.join(&name))
        .find(|binary| binary.is_file())
        .unwrap_or_else(|| {
            panic!(
                "no helpdesk binary beside {}: run the helpdesk package's tests or benches \
                 through cargo, which builds it, or build it (`cargo build --release --bin \
                 helpdesk`) before `cargo run --release -p helpdesk-load`",
                running.display()
            )
        })
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
        let http_addr = extra
            .iter()
            .find(|(key, _)| *key == "HELPDESK_HTTP_ADDR")
            .map_or_else(free_local_addr, |(_, addr)| {
                addr.parse().expect("HELPDESK_HTTP_ADDR")
            });
        let mut command = Command::new(helpdesk_binary());
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
            .env("HELPDESK_HTTP_ADDR", http_addr.to_string())
            .env("RUST_LOG", "info,helpdesk=debug")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log_file);
        for (key, value) in extra {
            command.env(key, value);
        }
        let child = command.spawn().expect("helpdesk serve starts");
        Bot {
            child,
            log,
            http_addr,
        }
    }

    /// Asks the process to stop, as systemd or Kubernetes do, and waits
    /// for it to exit.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "SIGTERM sent");
        self.child.wait().expect("the bot exits")
    }

    /// GETs `path` from the bot's endpoints: (status, body).
    pub fn http_get(&self, path: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect_timeout(&self.http_addr, WAIT)
            .unwrap_or_else(|e| panic!("connect to {}: {e}", self.http_addr));
        stream.set_read_timeout(Some(WAIT)).expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.http_addr
        )
        .expect("request sent");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("response read");
        let status = response
            .split_whitespace()
            .nth(1)
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line in {response:?}"));
        let body = response
            .split_once("\r\n\r\n")
            .map(|(_, body)| body.to_owned())
            .unwrap_or_default();
        (status, body)
    }

    /// The process id, for /proc readings.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True once the process has exited (crashed, or was stopped).
    pub fn has_exited(&mut self) -> bool {
        !matches!(self.child.try_wait(), Ok(None))
    }

    /// The process's resident memory (`VmRSS`), in KiB.
    pub fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid()))
            .expect("/proc/PID/status");
        status
            .lines()
            .find_map(|line| line.strip_prefix("VmRSS:"))
            .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no VmRSS in {status}"))
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
