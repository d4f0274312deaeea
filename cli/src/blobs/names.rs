//! File names made of values from the API (asset ids, blob hashes): only
//! plain names are taken, so that no value can reach outside the folder
//! (`../x`, `/etc/x`, `C:x`), hide a file (`.x`), or pass for the
//! temporary files of downloads under way.

/// The longest name taken: far above any id or hash, under every file
/// system's limit.
const MAX_LEN: usize = 128;

/// `value` if it can be a file name as it is, else why not.
pub fn checked(value: &str) -> Result<&str, String> {
    let why = if value.is_empty() {
        "it is empty"
    } else if value.len() > MAX_LEN {
        "it is longer than 128 bytes"
    } else if value.starts_with('.') {
        "it starts with a dot (a hidden file, or `..`)"
    } else if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        "it holds a character other than letters, digits, `-`, `_` and `.` \
         (a path separator, a drive or a control character)"
    } else {
        return Ok(value);
    };
    Err(why.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_names_are_taken() {
        for ok in ["a1b2", "cid_0123abcd", "v1.2-x", "e3b0c44298fc1c14"] {
            assert_eq!(checked(ok), Ok(ok));
        }
        for bad in [
            "",
            "..",
            ".",
            "../x",
            "..\\x",
            "a/b",
            "/etc/passwd",
            "C:x",
            ".hidden",
            "a\u{0}b",
            "a\nb",
            "é",
            &"x".repeat(129),
        ] {
            assert!(checked(bad).is_err(), "{bad:?} was taken");
        }
    }
}
