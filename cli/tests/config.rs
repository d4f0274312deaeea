//! Configuration: precedence of flags, profiles and the environment,
//! secrets, extra roots, proxies, and shell completions.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use falcon_emulator::{DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, EmulatorConfig, EmulatorHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::common;

/// A public root certificate (ISRG Root X2), to load as an extra root.
const ROOT_PEM: &str = "-----BEGIN CERTIFICATE-----
MIICGzCCAaGgAwIBAgIQQdKd0XLq7qeAwSxs6S+HUjAKBggqhkjOPQQDAzBPMQsw
CQYDVQQGEwJVUzEpMCcGA1UEChMgSW50ZXJuZXQgU2VjdXJpdHkgUmVzZWFyY2gg
R3JvdXAxFTATBgNVBAMTDElTUkcgUm9vdCBYMjAeFw0yMDA5MDQwMDAwMDBaFw00
MDA5MTcxNjAwMDBaME8xCzAJBgNVBAYTAlVTMSkwJwYDVQQKEyBJbnRlcm5ldCBT
ZWN1cml0eSBSZXNlYXJjaCBHcm91cDEVMBMGA1UEAxMMSVNSRyBSb290IFgyMHYw
EAYHKoZIzj0CAQYFK4EEACIDYgAEzZvVn4CDCuwJSvMWSj5cz3es3mcFDR0HttwW
+1qLFNvicWDEukWVEYmO6gbf9yoWHKS5xcUy4APgHoIYOIvXRdgKam7mAHf7AlF9
ItgKbppbd9/w+kHsOdx1ymgHDB/qo0IwQDAOBgNVHQ8BAf8EBAMCAQYwDwYDVR0T
AQH/BAUwAwEB/zAdBgNVHQ4EFgQUfEKWrt5LSDv6kviejM9ti6lyN5UwCgYIKoZI
zj0EAwMDaAAwZQIwe3lORlCEwkSHRhtFcP9Ymd70/aTSVaYgLXTWNLxBo1BfASdW
tL4ndQavEi51mI38AjEAi/V3bNTIZargCyzuFJ0nN6T5U6VR5CmD1/iQMVtCnwr1
/q4AaOeMSQ+2b1tbFfLn
-----END CERTIFICATE-----
";

/// Writes `text` as the profiles file in `home` and returns its path.
fn profiles(home: &Path, text: &str) -> PathBuf {
    let path = home.join("profiles.toml");
    std::fs::write(&path, text).expect("profiles file");
    path
}

/// A profile named `name` for the emulator, whose secret `argv` prints.
fn profile(name: &str, cloud: &str, client_id: &str, argv: &[&str]) -> String {
    let argv: Vec<String> = argv.iter().map(|a| format!("{a:?}")).collect();
    format!(
        "[profiles.{name}]\ncloud = {cloud:?}\nclient_id = {client_id:?}\nclient_secret_command = [{}]\n",
        argv.join(", ")
    )
}

/// `doctor` with `c`, its exit code and its output.
async fn doctor(c: &mut tokio::process::Command) -> (i32, String, String) {
    let out = common::run(c.arg("doctor")).await;
    (
        common::code(&out),
        common::stdout(&out),
        common::stderr(&out),
    )
}

/// An address nothing listens on (a closed emulator's).
async fn closed_url() -> String {
    let emu = common::emulator(EmulatorConfig::default().assets(1)).await;
    let url = emu.base_url();
    emu.shutdown().await;
    url
}

#[cfg(unix)]
#[tokio::test]
async fn a_profile_gives_the_credentials_through_its_secret_command() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-profile");
    let file = profiles(
        &home,
        &profile(
            "lab",
            &emu.base_url(),
            DEFAULT_CLIENT_ID,
            &["echo", DEFAULT_CLIENT_SECRET],
        ),
    );
    // A leftover FALCON_CLIENT_ID and a wrong secret in the environment are
    // ignored with --profile, not paired with the profile's.
    let (code, out, err) = doctor(
        common::bare(&home)
            .env("FALCON_EXPOSURE_CONFIG", &file)
            .env("FALCON_CLIENT_ID", "leftover-id")
            .env("FALCON_CLIENT_SECRET", "leftover-secret")
            .env("FALCON_CLOUD", closed_url().await)
            .args(["--profile", "lab"]),
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "credentials: the profile given with --profile, secret from client_secret_command"
        ),
        "{out}"
    );
    assert!(
        out.contains("cloud: custom (loopback), from the profile given with --profile"),
        "{out}"
    );
    assert!(
        out.contains("profiles file: read (named by FALCON_EXPOSURE_CONFIG)"),
        "{out}"
    );
    assert!(!out.contains(DEFAULT_CLIENT_SECRET) && !err.contains(DEFAULT_CLIENT_SECRET));
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn the_default_profile_in_the_configuration_directory_is_used_without_environment_credentials()
 {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-default-profile");
    let dir = home.join(".config").join("falcon-exposure");
    std::fs::create_dir_all(&dir).expect("config dir");
    let text = format!(
        "default_profile = \"main\"\n{}",
        profile(
            "main",
            &emu.base_url(),
            DEFAULT_CLIENT_ID,
            &["echo", DEFAULT_CLIENT_SECRET]
        )
    );
    std::fs::write(dir.join("config.toml"), text).expect("config file");
    let (code, out, err) = doctor(&mut common::bare(&home)).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("credentials: the default profile (default_profile)"),
        "{out}"
    );
    assert!(
        out.contains("profiles file: read (in the configuration directory)"),
        "{out}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn environment_credentials_win_over_the_default_profile_which_is_not_run() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-env-first");
    // The default profile would fail: its command exits 1, its cloud is closed.
    let text = format!(
        "default_profile = \"broken\"\n{}",
        profile("broken", &closed_url().await, "other-id", &["false"])
    );
    let file = profiles(&home, &text);
    let (code, out, err) =
        doctor(common::command(&emu, &home).env("FALCON_EXPOSURE_CONFIG", &file)).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("credentials: environment (FALCON_CLIENT_ID, FALCON_CLIENT_SECRET)"),
        "{out}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn the_cloud_flag_wins_over_the_profile() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-cloud-flag");
    let file = profiles(
        &home,
        &profile(
            "lab",
            &closed_url().await,
            DEFAULT_CLIENT_ID,
            &["echo", DEFAULT_CLIENT_SECRET],
        ),
    );
    let (code, out, err) = doctor(
        common::bare(&home)
            .env("FALCON_EXPOSURE_CONFIG", &file)
            .args(["--profile", "lab", "--cloud", &emu.base_url()]),
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("cloud: custom (loopback), from flag --cloud"),
        "{out}"
    );
}

#[tokio::test]
async fn one_credential_variable_alone_is_a_usage_error_naming_the_other() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-half");
    // A default profile is there, and must not lend its secret.
    let text = format!(
        "default_profile = \"main\"\n{}",
        profile(
            "main",
            &emu.base_url(),
            DEFAULT_CLIENT_ID,
            &["echo", DEFAULT_CLIENT_SECRET]
        )
    );
    let file = profiles(&home, &text);
    for (set, missing) in [
        ("FALCON_CLIENT_ID", "FALCON_CLIENT_SECRET"),
        ("FALCON_CLIENT_SECRET", "FALCON_CLIENT_ID"),
    ] {
        let (code, out, err) = doctor(
            common::bare(&home)
                .env("FALCON_EXPOSURE_CONFIG", &file)
                .env("FALCON_CLOUD", emu.base_url())
                .env(set, "value"),
        )
        .await;
        assert_eq!(code, 2, "{out}\n{err}");
        assert!(
            err.contains(&format!("{set} is set but {missing} is not")),
            "{err}"
        );
        assert!(out.is_empty(), "{out}");
    }
    assert_eq!(emu.stats().total(), 0, "nothing was sent");
}

#[tokio::test]
async fn no_credentials_at_all_say_how_to_give_them() {
    let home = common::temp_dir("config-none");
    let (code, _, err) = doctor(&mut common::bare(&home)).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(
            "no credentials: set FALCON_CLIENT_ID and FALCON_CLIENT_SECRET, or add a profile"
        ),
        "{err}"
    );
}

#[tokio::test]
async fn a_secret_in_the_profiles_file_is_refused_without_being_shown() {
    let home = common::temp_dir("config-secret-in-file");
    let file = profiles(
        &home,
        "[profiles.p]\nclient_id = \"id\"\nclient_secret = \"on-disk-secret-42\"\n",
    );
    let (code, out, err) = doctor(
        common::bare(&home)
            .env("FALCON_EXPOSURE_CONFIG", &file)
            .args(["--profile", "p"]),
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("never keeps secrets on disk") && err.contains("client_secret_command"),
        "{err}"
    );
    assert!(
        !err.contains("on-disk-secret-42") && !out.contains("on-disk-secret-42"),
        "{err}"
    );
}

#[cfg(unix)]
#[tokio::test]
async fn a_failing_secret_command_names_the_profile_and_program_but_not_its_output() {
    let home = common::temp_dir("config-secret-command");
    let file = profiles(
        &home,
        &format!(
            "{}{}",
            profile(
                "fails",
                "us-1",
                "id",
                &["sh", "-c", "echo printed-secret-7; exit 3"]
            ),
            profile("silent", "us-1", "id", &["true"])
        ),
    );
    let run = |name: &'static str| {
        let mut c = common::bare(&home);
        c.env("FALCON_EXPOSURE_CONFIG", &file)
            .args(["--profile", name]);
        c
    };
    let (code, out, err) = doctor(&mut run("fails")).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("profile fails: client_secret_command `sh` failed (exit status 3)"),
        "{err}"
    );
    assert!(
        !err.contains("printed-secret-7") && !out.contains("printed-secret-7"),
        "{err}"
    );
    let (code, _, err) = doctor(&mut run("silent")).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("profile silent: client_secret_command `true` printed nothing"),
        "{err}"
    );
}

#[tokio::test]
async fn profiles_without_a_secret_source_or_unknown_are_usage_errors() {
    let home = common::temp_dir("config-profile-errors");
    let file = profiles(
        &home,
        "[profiles.bare]\nclient_id = \"id\"\ncloud = \"eu-1\"\n",
    );
    let run = |name: &'static str| {
        let mut c = common::bare(&home);
        c.env("FALCON_EXPOSURE_CONFIG", &file)
            .env("FALCON_CLIENT_SECRET", "not-for-profiles")
            .args(["--profile", name]);
        c
    };
    let (code, _, err) = doctor(&mut run("bare")).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("profile bare has no client secret") && err.contains("client_secret_command"),
        "{err}"
    );
    let (code, _, err) = doctor(&mut run("nope")).await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no profile `nope`") && err.contains("its profiles are bare"),
        "{err}"
    );
    // A named file that does not exist.
    let (code, _, err) = doctor(
        common::bare(&home)
            .env("FALCON_EXPOSURE_CONFIG", home.join("missing.toml"))
            .env("FALCON_CLIENT_ID", "id")
            .env("FALCON_CLIENT_SECRET", "secret"),
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("missing.toml") && err.contains("does not exist"),
        "{err}"
    );
    // Invalid TOML names the line.
    let broken = profiles(&home, "[profiles.x]\ncloud = \n");
    let (code, _, err) = doctor(
        common::bare(&home)
            .env("FALCON_EXPOSURE_CONFIG", &broken)
            .args(["--profile", "x"]),
    )
    .await;
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("profiles.toml") && err.contains("line 2"),
        "{err}"
    );
}

#[tokio::test]
async fn extra_roots_are_loaded_and_bad_ones_are_usage_errors_naming_the_path() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-roots");
    let good = home.join("proxy-ca.pem");
    std::fs::write(&good, ROOT_PEM).expect("pem");
    let (code, out, err) = doctor(
        common::command(&emu, &home)
            .env("SSL_CERT_FILE", &good)
            .arg("--ca-file")
            .arg(&good),
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains(
            "extra roots: --ca-file loaded (1 certificate), SSL_CERT_FILE loaded (1 certificate)"
        ),
        "{out}"
    );
    assert!(
        !out.contains("proxy-ca.pem"),
        "no path in the report: {out}"
    );

    let not_pem = home.join("not-pem.txt");
    std::fs::write(&not_pem, "hello").expect("file");
    let invalid = home.join("invalid.pem");
    std::fs::write(
        &invalid,
        "-----BEGIN CERTIFICATE-----\nnot base64!\n-----END CERTIFICATE-----\n",
    )
    .expect("file");
    let missing = home.join("missing.pem");
    for (flag, path, why) in [
        (true, &not_pem, "no PEM certificate"),
        (true, &invalid, "invalid PEM certificate"),
        (true, &missing, "cannot read it"),
        (false, &missing, "cannot read it"),
    ] {
        let mut c = common::command(&emu, &home);
        let origin = if flag {
            c.arg("--ca-file").arg(path);
            "--ca-file"
        } else {
            c.env("SSL_CERT_FILE", path);
            "SSL_CERT_FILE"
        };
        let (code, _, err) = doctor(&mut c).await;
        assert_eq!(code, 2, "{err}");
        let start = format!("{origin} {}: {why}", path.display());
        assert!(err.contains(&start), "{start:?} not in {err}");
    }
}

/// A loopback forward proxy for plain HTTP: reads an absolute-form
/// request, sends it in origin form to its loopback host, pipes the reply
/// back and counts the requests. One request per connection.
struct ForwardProxy {
    addr: SocketAddr,
    requests: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl ForwardProxy {
    async fn start() -> ForwardProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let counter = counter.clone();
                tokio::spawn(async move {
                    let _ = forward(client, counter).await;
                });
            }
        });
        ForwardProxy {
            addr,
            requests,
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn count(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for ForwardProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(mut client: TcpStream, counter: Arc<AtomicUsize>) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let head_end = loop {
        let mut chunk = [0u8; 4096];
        let n = client.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (
        request_line.next(),
        request_line.next(),
        request_line.next(),
    ) else {
        return Ok(());
    };
    // Absolute form to a loopback host only.
    let Some(rest) = target.strip_prefix("http://127.0.0.1:") else {
        return Ok(());
    };
    let split = rest.find('/').unwrap_or(rest.len());
    let (port, path) = rest.split_at(split);
    let path = if path.is_empty() { "/" } else { path };
    counter.fetch_add(1, Ordering::SeqCst);
    let mut upstream = TcpStream::connect(format!("127.0.0.1:{port}")).await?;
    let mut out = format!("{method} {path} {version}\r\n");
    for line in lines.filter(|l| !l.is_empty()) {
        let lower = line.to_ascii_lowercase();
        if !["connection:", "proxy-connection:", "keep-alive:"]
            .iter()
            .any(|h| lower.starts_with(h))
        {
            out.push_str(line);
            out.push_str("\r\n");
        }
    }
    // The server closes after its reply, which ends the exchange.
    out.push_str("Connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    upstream.write_all(&buf[head_end..]).await?;
    let (mut client_read, mut client_write) = client.into_split();
    let (mut upstream_read, mut upstream_write) = upstream.into_split();
    let body = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut upstream_write).await;
    });
    let _ = tokio::io::copy(&mut upstream_read, &mut client_write).await;
    let _ = client_write.shutdown().await;
    body.abort();
    Ok(())
}

/// Requests the emulator received.
fn received(emu: &EmulatorHandle) -> usize {
    usize::try_from(emu.stats().total()).unwrap_or(usize::MAX)
}

#[tokio::test]
async fn http_proxy_carries_every_request_and_no_proxy_skips_it() {
    let emu = common::emulator(EmulatorConfig::default()).await;
    let home = common::temp_dir("config-proxy");
    let proxy = ForwardProxy::start().await;
    let (code, out, err) =
        doctor(common::command(&emu, &home).env("HTTP_PROXY", proxy.url())).await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(proxy.count() > 0, "no request went through the proxy");
    assert_eq!(
        proxy.count(),
        received(&emu),
        "every request went through the proxy"
    );
    assert!(
        out.contains("proxy variables: HTTP_PROXY set (values not shown)"),
        "{out}"
    );
    assert!(!out.contains(&proxy.addr.port().to_string()), "{out}");

    let before = (proxy.count(), received(&emu));
    let (code, out, err) = doctor(
        common::command(&emu, &home)
            .env("HTTP_PROXY", proxy.url())
            .env("NO_PROXY", "127.0.0.1"),
    )
    .await;
    assert_eq!(code, 0, "{out}\n{err}");
    assert_eq!(
        proxy.count(),
        before.0,
        "NO_PROXY=127.0.0.1 still went through the proxy"
    );
    assert!(
        received(&emu) > before.1,
        "the requests reached the emulator directly"
    );
}

#[tokio::test]
async fn completions_for_bash_print_a_script() {
    let home = common::temp_dir("config-completions");
    let out = common::run(common::bare(&home).args(["completions", "bash"])).await;
    assert_eq!(common::code(&out), 0, "{}", common::stderr(&out));
    let script = common::stdout(&out);
    assert!(
        script.contains("export"),
        "no `export` command in:\n{script}"
    );
    assert!(
        script.contains("complete -F") && script.contains(" falcon-exposure\n"),
        "no completion registered for falcon-exposure:\n{script}"
    );
}
