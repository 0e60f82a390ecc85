//! Which backend a database URL names. The storage behaviour itself is
//! tested on both backends, through the public API, in `tests/it/store.rs`.

use super::*;

#[test]
fn urls_name_their_backend() {
    for url in [
        "sqlite://helpdesk.db",
        "sqlite::memory:",
        "helpdesk.db",
        "/var/lib/x.db",
    ] {
        assert_eq!(Backend::of(url).unwrap(), Backend::Sqlite, "{url}");
    }
    for url in [
        "postgres://u@h/db",
        "postgresql://u:p@h:5432/db?sslmode=require",
    ] {
        assert_eq!(Backend::of(url).unwrap(), Backend::Postgres, "{url}");
    }
}

#[test]
fn an_unsupported_url_is_refused_without_echoing_its_credentials() {
    let error = Backend::of("mysql://admin:hunter2@db/helpdesk").unwrap_err();
    assert!(matches!(&error, StoreError::UnsupportedUrl(scheme) if scheme == "mysql"));
    let message = error.to_string();
    assert!(!message.contains("hunter2"), "{message}");
    assert!(message.contains("postgres://"), "{message}");
}
