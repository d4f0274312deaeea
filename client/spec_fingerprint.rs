// Fingerprint of the manifest files, shared by `client/build.rs` (which warns
// when the spec changed since the last regen) and the generator (which records
// it). std only: the client's build script must stay light.

/// FNV-1a 64 over each file's name and bytes, in name order; line endings
/// are normalised so a checkout with CRLF gives the same value.
pub fn spec_fingerprint(files: &[(String, Vec<u8>)]) -> String {
    let mut sorted: Vec<&(String, Vec<u8>)> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    };
    for (name, bytes) in sorted {
        name.bytes().for_each(&mut feed);
        feed(0);
        bytes.iter().copied().filter(|&b| b != b'\r').for_each(&mut feed);
        feed(0);
    }
    format!("{hash:016x}")
}
