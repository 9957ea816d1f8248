//! Users from the command line: an admin and a patrol user for a demo chief are added with
//! passwords from standard input, listed (never with their hashes), a role is changed, and bad
//! requests are refused with a message that says what is wrong.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use wangge_e2e::{binary, demo_db, text, wangge};

/// Runs `wangge ARGS…` with `input` on standard input.
fn wangge_with_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wangge");
    // A command that refuses before reading its input may have exited already: a broken pipe
    // here is no failure of the test.
    let _ = child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes());
    child.wait_with_output().expect("wait for wangge")
}

/// A chief of the demo: the one answering for its first building.
fn a_demo_chief(db: &str) -> i64 {
    let out = wangge(&["export", "--db", db, "--layer", "buildings", "-"]);
    assert!(out.status.success(), "export: {:?}", text(&out));
    let collection: Value = serde_json::from_slice(&out.stdout).expect("GeoJSON");
    collection["features"][0]["properties"]["chief"]
        .as_i64()
        .expect("the demo assigns every building")
}

fn refused(out: &Output, needle: &str) {
    let (stdout, stderr) = text(out);
    assert!(!out.status.success(), "accepted: {stdout}");
    assert!(
        stderr.contains(needle),
        "`{needle}` not in the message: {stderr}"
    );
}

#[test]
fn users_are_added_listed_changed_and_checked() {
    let (_dir, db) = demo_db("users.gpkg");
    let db = db.as_str();
    let chief = a_demo_chief(db).to_string();

    let out = wangge_with_stdin(
        &[
            "user",
            "add",
            "--db",
            db,
            "--name",
            "zhang",
            "--role",
            "管理员",
            "--display-name",
            "张管理",
            "--password-stdin",
        ],
        "admin-password-1\n",
    );
    assert!(out.status.success(), "add admin: {:?}", text(&out));
    let out = wangge_with_stdin(
        &[
            "user",
            "add",
            "--db",
            db,
            "--name",
            "patrol1",
            "--role",
            "patrol",
            "--chief",
            &chief,
            "--password-stdin",
        ],
        "patrol-password\n",
    );
    assert!(out.status.success(), "add patrol: {:?}", text(&out));

    let out = wangge(&["user", "list", "--db", db, "--json"]);
    assert!(out.status.success(), "list: {:?}", text(&out));
    let stdout = text(&out).0;
    assert!(!stdout.contains("argon2"), "a hash was printed: {stdout}");
    let users: Value = serde_json::from_str(&stdout).expect("JSON");
    let users = users.as_array().expect("a list");
    // The demo's five users (one per role) and the two added here.
    assert_eq!(users.len(), 7);
    let named = |users: &[Value], name: &str| -> Value {
        users
            .iter()
            .find(|u| u["username"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no user {name} in {users:?}"))
    };
    let zhang = named(users, "zhang");
    assert_eq!(zhang["role"], "admin");
    assert_eq!(zhang["display_name"], "张管理");
    let patrol1 = named(users, "patrol1");
    assert_eq!(patrol1["role"], "patrol");
    assert_eq!(patrol1["chief"].to_string(), chief);
    let table = text(&wangge(&["user", "list", "--db", db])).0;
    assert!(
        table.contains("patrol1") && table.contains("7 users"),
        "{table}"
    );
    assert!(!table.contains("argon2"), "{table}");

    // The patrol user becomes a viewer (and so names no chief), then changes password.
    let out = wangge(&[
        "user", "role", "--db", db, "--name", "patrol1", "--role", "viewer",
    ]);
    assert!(out.status.success(), "role: {:?}", text(&out));
    let out = wangge_with_stdin(
        &[
            "user",
            "passwd",
            "--db",
            db,
            "--name",
            "patrol1",
            "--password-stdin",
        ],
        "another-password\n",
    );
    assert!(out.status.success(), "passwd: {:?}", text(&out));
    let users: Value =
        serde_json::from_slice(&wangge(&["user", "list", "--db", db, "--json"]).stdout)
            .expect("JSON");
    let patrol1 = named(users.as_array().expect("a list"), "patrol1");
    assert_eq!(patrol1["role"], "viewer");
    assert!(patrol1["chief"].is_null());

    // Refusals, each saying what is wrong.
    refused(
        &wangge_with_stdin(
            &[
                "user",
                "add",
                "--db",
                db,
                "--name",
                "shorty",
                "--role",
                "viewer",
                "--password-stdin",
            ],
            "short\n",
        ),
        "at least 8",
    );
    refused(
        &wangge_with_stdin(
            &[
                "user",
                "add",
                "--db",
                db,
                "--name",
                "zhang",
                "--role",
                "viewer",
                "--password-stdin",
            ],
            "long-enough-password\n",
        ),
        "already exists",
    );
    refused(
        &wangge_with_stdin(
            &[
                "user",
                "add",
                "--db",
                db,
                "--name",
                "loose",
                "--role",
                "patrol",
                "--password-stdin",
            ],
            "long-enough-password\n",
        ),
        "must name the street chief",
    );
    refused(
        &wangge_with_stdin(
            &[
                "user",
                "add",
                "--db",
                db,
                "--name",
                "ghost",
                "--role",
                "patrol",
                "--chief",
                "999999",
                "--password-stdin",
            ],
            "long-enough-password\n",
        ),
        "999999",
    );
    refused(
        &wangge_with_stdin(
            &[
                "user",
                "add",
                "--db",
                db,
                "--name",
                "boss",
                "--role",
                "boss",
                "--password-stdin",
            ],
            "long-enough-password\n",
        ),
        "unknown role `boss`",
    );
    refused(
        &wangge(&[
            "user", "role", "--db", db, "--name", "nobody", "--role", "viewer",
        ]),
        "no user named `nobody`",
    );
    // Nothing refused was written.
    let users: Value =
        serde_json::from_slice(&wangge(&["user", "list", "--db", db, "--json"]).stdout)
            .expect("JSON");
    assert_eq!(users.as_array().map(Vec::len), Some(7));
}
