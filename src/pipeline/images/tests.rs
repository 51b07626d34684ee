use super::*;
use crate::profile::Location;

#[test]
fn relative_images_are_taken_from_the_profile_file() {
    let at = Location {
        file: PathBuf::from("/repo/sub/xbuild-go.toml"),
        line: 3,
        column: 1,
    };
    let src = Source::Profile {
        name: "golden".into(),
        at,
    };
    assert_eq!(
        base_dir(&src, Path::new("/work")),
        PathBuf::from("/repo/sub")
    );
    assert_eq!(
        base_dir(&Source::Flag("--runs-on"), Path::new("/work")),
        PathBuf::from("/work")
    );
    assert_eq!(
        base_dir(&Source::BuiltIn, Path::new("/work")),
        PathBuf::from("/work")
    );
}
