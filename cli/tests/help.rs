//! The help texts, as users read them: snapshots, so that a change to a
//! flag, a default or the exit-code table shows in review.

use crate::common;

async fn help(args: &[&str]) -> String {
    let home = common::temp_dir("help");
    let out = common::run(common::bare(&home).args(args)).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let _ = std::fs::remove_dir_all(&home);
    common::stdout(&out)
}

#[tokio::test]
async fn help_texts() {
    insta::assert_snapshot!("help", help(&["--help"]).await);
    for command in [
        "export",
        "diff",
        "doctor",
        "report",
        "call",
        "emulator",
        "completions",
    ] {
        insta::assert_snapshot!(format!("help_{command}"), help(&[command, "--help"]).await);
    }
}

#[tokio::test]
async fn a_usage_error_exits_2_and_every_help_lists_the_exit_codes() {
    let home = common::temp_dir("usage");
    let out = common::run(common::bare(&home).args(["export", "--format", "xml"])).await;
    assert_eq!(common::code(&out), 2, "{}", common::stderr(&out));
    assert!(
        common::stderr(&out).contains("xml"),
        "{}",
        common::stderr(&out)
    );
    let _ = std::fs::remove_dir_all(&home);
    assert!(help(&["--help"]).await.contains("Exit codes:"));
}
