//! Property tests of the emulator's FQL parser: random, damaged, deeply
//! nested and long input never panics, and parsing and evaluating stay
//! within a 256 KiB stack, which only holds because nesting is bounded.

use falcon_emulator::filter_parser::{MAX_DEPTH, MAX_FILTER_LEN, check};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

const NOW: i64 = 1_795_000_000;
const SMALL_STACK: usize = 256 * 1024;

/// Filters the emulator accepts, as seeds for damage.
const VALID: &[&str] = &[
    "asset_type:'ip'",
    "asset_type:!'ip'",
    "(criticality:'Critical',criticality:'High')+subsidiaries.name:'Acme'",
    "ip.services.port:[443,8443]",
    "last_seen:>'now-7d'+first_seen:<='2025-01-01T00:00:00Z'",
    "manual:true",
    "triage.status:null",
    "dns_domain.fqdn:*'*.example'",
    "dns_domain.fqdn:~'example'",
    "!(ip.ip_address:>='10.0.0.0'+ip.ip_address:<'11.0.0.0')",
    "first_seen:>'2024-05-01T10:00:00+02:00'",
];

/// Runs `body` in a thread with a 256 KiB stack: a recursion that is not
/// bounded overflows it and aborts the test binary.
fn on_small_stack(name: &str, body: impl FnOnce() + Send + 'static) {
    // The sample assets are generated once, outside the measured stack.
    let _ = check("asset_type:'ip'", NOW);
    let worker = std::thread::Builder::new()
        .name(name.into())
        .stack_size(SMALL_STACK)
        .spawn(body)
        .expect("spawn");
    if let Err(panic) = worker.join() {
        std::panic::resume_unwind(panic);
    }
}

fn run<S: Strategy>(strategy: S, cases: u32, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S::Value: std::fmt::Debug,
{
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    if let Err(e) = runner.run(&strategy, test) {
        panic!("{e}");
    }
}

/// Depth of the deepest `(`/`!` nesting a filter asks for, counted as the
/// parser counts it: a `!` nests where a term starts (not as the operator
/// after `:`), and negations in front of a group hold until it closes.
fn nesting(s: &str) -> usize {
    let (mut depth, mut max, mut run) = (0usize, 0usize, 0usize);
    let mut groups = Vec::new();
    let mut in_quote = None;
    let mut term_start = true;
    for c in s.chars() {
        match (in_quote, c) {
            (Some(q), c) if c == q => in_quote = None,
            (Some(_), _) => {}
            (None, ' ') => {}
            (None, '!') if term_start => {
                run += 1;
                max = max.max(depth + run);
            }
            (None, '(') if term_start => {
                depth += run + 1;
                groups.push(run + 1);
                max = max.max(depth);
                run = 0;
            }
            (None, c) => {
                if c == '\'' || c == '"' {
                    in_quote = Some(c);
                }
                if c == ')' {
                    depth -= groups.pop().unwrap_or(0);
                }
                run = 0;
                term_start = matches!(c, '+' | ',');
            }
        }
    }
    max
}

#[test]
fn arbitrary_text_never_panics() {
    on_small_stack("arbitrary", || {
        let refused_with_a_message = |s: String| {
            if let Err(e) = check(&s, NOW) {
                prop_assert!(e.starts_with("invalid filter: "), "{e}");
            }
            Ok(())
        };
        run(any::<String>(), 2_000, refused_with_a_message);
        run(
            "[a-z_.:!~*<>=,+()\\[\\]' \"0-9-]{0,200}",
            3_000,
            refused_with_a_message,
        );
    });
}

#[derive(Debug, Clone)]
enum Damage {
    Insert(usize, char),
    Delete(usize),
    Replace(usize, char),
    Truncate(usize),
    Repeat(usize, usize),
}

fn damage() -> impl Strategy<Value = Damage> {
    let punct = prop::sample::select(vec![
        '(', ')', '!', '\'', '"', '\\', '[', ']', ',', '+', ':', '*', '~', '>', '<', '=', ' ', 'é',
        '\u{0}', '-',
    ]);
    prop_oneof![
        (any::<usize>(), punct.clone()).prop_map(|(i, c)| Damage::Insert(i, c)),
        any::<usize>().prop_map(Damage::Delete),
        (any::<usize>(), punct).prop_map(|(i, c)| Damage::Replace(i, c)),
        any::<usize>().prop_map(Damage::Truncate),
        (any::<usize>(), 2usize..2_000).prop_map(|(i, n)| Damage::Repeat(i, n)),
    ]
}

fn apply(src: &str, damage: &[Damage]) -> String {
    let mut chars: Vec<char> = src.chars().collect();
    for d in damage {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match *d {
            Damage::Insert(i, c) => {
                let i = at(i, chars.len() + 1);
                chars.insert(i, c);
            }
            Damage::Delete(i) if !chars.is_empty() => {
                let i = at(i, chars.len());
                chars.remove(i);
            }
            Damage::Replace(i, c) if !chars.is_empty() => {
                let i = at(i, chars.len());
                chars[i] = c;
            }
            Damage::Truncate(i) => {
                let i = at(i, chars.len() + 1);
                chars.truncate(i);
            }
            Damage::Repeat(i, n) if !chars.is_empty() => {
                let i = at(i, chars.len());
                let c = chars[i];
                for _ in 1..n {
                    chars.insert(i, c);
                }
            }
            _ => {}
        }
    }
    chars.into_iter().collect()
}

#[test]
fn damaged_filters_never_panic() {
    on_small_stack("damaged", || {
        let seed = prop::sample::select(VALID.to_vec());
        run(
            (seed, prop::collection::vec(damage(), 1..6)),
            3_000,
            |(src, d)| {
                let s = apply(src, &d);
                let _ = check(&s, NOW);
                Ok(())
            },
        );
    });
}

#[test]
fn deep_nesting_is_refused_past_the_limit_and_never_overflows() {
    on_small_stack("deep", || {
        let opener = prop::sample::select(vec!["(", "!", " ", "(!", "!("]);
        let nest = (
            prop::collection::vec(opener, 0..6_000),
            prop::sample::select(VALID.to_vec()),
            0usize..6_000,
        );
        run(nest, 300, |(open, inner, close)| {
            let open = open.concat();
            let s = format!("{open}{inner}{}", ")".repeat(close));
            let depth = nesting(&s);
            match check(&s, NOW) {
                Ok(_) => prop_assert!(depth <= MAX_DEPTH, "{depth} levels accepted"),
                Err(e) if depth > MAX_DEPTH && s.len() <= MAX_FILTER_LEN => {
                    prop_assert!(e.contains(&format!("at most {MAX_DEPTH}")), "{e}")
                }
                Err(_) => {}
            }
            Ok(())
        });
    });
}

#[test]
fn long_input_is_refused_with_the_length_limit() {
    on_small_stack("long", || {
        run(
            (
                MAX_FILTER_LEN - 64..MAX_FILTER_LEN * 3,
                prop::sample::select(vec!['(', '!', 'a', '\'']),
            ),
            40,
            |(len, c)| {
                let s: String = std::iter::repeat_n(c, len).collect();
                let r = check(&s, NOW);
                if len > MAX_FILTER_LEN {
                    let e = r.expect_err("too long");
                    prop_assert!(
                        e.contains(&format!("at most {MAX_FILTER_LEN} bytes")),
                        "{e}"
                    );
                } else {
                    prop_assert!(r.is_err());
                }
                Ok(())
            },
        );
    });
}

#[test]
fn the_deepest_accepted_filter_parses_and_evaluates_on_a_small_stack() {
    on_small_stack("deepest", || {
        for inner in VALID {
            // Nest each filter as deep as the limit allows, counting its own levels.
            let room = MAX_DEPTH - nesting(inner);
            let parens = format!("{}{inner}{}", "(".repeat(room), ")".repeat(room));
            assert_eq!(nesting(&parens), MAX_DEPTH, "{parens}");
            assert!(check(&parens, NOW).is_ok(), "{parens}");
            let too_deep = format!("({parens})");
            let e = check(&too_deep, NOW).expect_err("one level too deep");
            assert!(e.contains(&format!("at most {MAX_DEPTH}")), "{e}");
            let nots = format!("{}({inner})", "!".repeat(room - 1));
            assert!(check(&nots, NOW).is_ok(), "{nots}");
            // Negated groups, the inner ones holding an AND (within the
            // 20-property limit), build a tree as deep as the limit:
            // evaluating and dropping it recurse that deep.
            let mut tree = inner.to_string();
            for level in 0.. {
                if nesting(&tree) + 2 > MAX_DEPTH {
                    break;
                }
                tree = if level < 8 {
                    format!("!(manual:true+{tree})")
                } else {
                    format!("!({tree})")
                };
            }
            assert!(check(&tree, NOW).is_ok(), "{tree}");
        }
    });
}
