#[test]
fn policy_digest_is_of_sorted_compact_json() {
    let v = serde_json::json!({ "b": 1, "a": [true, null, { "z": "x", "y": "\"" }] });
    assert_eq!(
        super::canonical_json(&v),
        r#"{"a":[true,null,{"y":"\"","z":"x"}],"b":1}"#
    );
}
