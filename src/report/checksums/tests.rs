use super::*;

fn e(sha: char, name: &[u8]) -> Entry {
    Entry {
        sha256: sha.to_string().repeat(64),
        name: name.to_vec(),
    }
}

#[test]
fn round_trip_with_escapes_and_binary_mode() {
    let entries = vec![e('a', b"dist/app"), e('b', b"odd\\name\nwith\rbreaks")];
    let text = render(&entries);
    assert_eq!(parse(&text).unwrap(), entries);
    let binary = format!("{} *dist/app\n", "c".repeat(64));
    assert_eq!(parse(binary.as_bytes()).unwrap(), vec![e('c', b"dist/app")]);
    for bad in [
        "not a checksum\n",
        "abc  short\n",
        &format!("\\{}  a\\qb\n", "d".repeat(64)),
    ] {
        assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
    }
}

#[test]
fn merge_replaces_in_place_and_appends() {
    let old = vec![e('1', b"a"), e('2', b"b"), e('3', b"c")];
    let new = [e('9', b"b"), e('8', b"d")];
    assert_eq!(
        merge(old, &new),
        vec![e('1', b"a"), e('9', b"b"), e('3', b"c"), e('8', b"d")]
    );
}
