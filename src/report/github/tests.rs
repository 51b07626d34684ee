use super::*;

#[test]
fn cells_hold_no_markup() {
    assert_eq!(
        cell("dist/<img src=x>|*b*`c`"),
        "dist/&lt;img src\\=x&gt;\\|\\*b\\*\\`c\\`"
    );
    assert_eq!(cell("a&b \"q\""), "a&amp;b &quot;q&quot;");
}
