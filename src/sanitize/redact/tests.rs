use super::*;

#[test]
fn credential_names() {
    for n in [
        "GITHUB_TOKEN",
        "AWS_SECRET_ACCESS_KEY",
        "NPM_TOKEN",
        "DB_PASSWORD",
        "ftp_passwd",
        "SIGNING_KEY",
        "GOAUTH",
        "HTTP_AUTHORIZATION",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "SESSION_COOKIE",
        "NETRC",
        "ACTIONS_ID_TOKEN_REQUEST_URL",
    ] {
        assert!(is_credential_name(n), "{n} is credential-like");
    }
    for n in [
        "GOPROXY",
        "PATH",
        "HOME",
        "GOPRIVATE",
        "KEYBOARD",
        "GOFLAGS",
    ] {
        assert!(!is_credential_name(n), "{n} is not credential-like");
    }
}

#[test]
fn values_are_shown_redacted() {
    let cases = [
        ("GITHUB_TOKEN", "ghp_abc", "***"),
        ("GITHUB_TOKEN", "", ""),
        (
            "GOPROXY",
            "https://user:pa55@proxy.example/x,direct",
            "https://user:***@proxy.example/x,direct",
        ),
        (
            "GOPROXY",
            "https://a:b@one|https://tok@two",
            "https://a:***@one|https://***@two",
        ),
        ("HTTPS_PROXY", "http://u:p@h:3128", "http://u:***@h:3128"),
        ("https_proxy", "u:p@h:3128", "u:***@h:3128"),
        ("GOPROXY", "https://proxy.example", "https://proxy.example"),
        ("GONOSUMDB", "git@corp/x", "git@corp/x"),
        ("NOTE", "mail me@example.com", "mail me@example.com"),
    ];
    for (name, v, want) in cases {
        assert_eq!(value(name, v), want, "{name}={v}");
    }
    assert_eq!(
        urls("Get \"https://bob:hunter22@proxy/x\": 401"),
        "Get \"https://bob:***@proxy/x\": 401"
    );
}

#[test]
fn query_credentials_are_shown_redacted() {
    let cases = [
        (
            "GOPROXY",
            "https://proxy.example/?token=abc123,direct",
            "https://proxy.example/?token=***,direct",
        ),
        (
            "GOPROXY",
            "https://p.example/m?mode=x&access_token=t0k&ok=1|https://u:pw@q/?API_KEY=k#frag",
            "https://p.example/m?mode=x&access_token=***&ok=1|https://u:***@q/?API_KEY=***#frag",
        ),
        (
            "NOTE",
            "see https://b.s3.amazonaws.com/o?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=f00d&X-Amz-Security-Token=s;x-goog-signature=g and more",
            "see https://b.s3.amazonaws.com/o?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Security-Token=***;x-goog-signature=*** and more",
        ),
        (
            "GOPROXY",
            "https://p/?page=2&sort=asc&keyboard=us",
            "https://p/?page=2&sort=asc&keyboard=us",
        ),
        ("GOPROXY", "https://p/?sig=&Key=v", "https://p/?sig=&Key=***"),
        (
            "NOTE",
            "a?token=not-a-url https://h/?password=pw",
            "a?token=not-a-url https://h/?password=***",
        ),
        (
            "NOTE",
            "https://h/cb?next=https://u:p@i/?secret=s",
            "https://h/cb?next=https://u:***@i/?secret=***",
        ),
    ];
    for (name, v, want) in cases {
        assert_eq!(value(name, v), want, "{name}={v}");
    }
    let s = Secrets::collect(
        [(
            "GOPROXY",
            "https://proxy.example/?token=querysecret9,direct",
        )],
        [],
        None,
    );
    assert_eq!(s.mask("go: querysecret9 rejected"), "go: *** rejected");
}

#[test]
fn secrets_are_masked_in_every_spelling() {
    let s = Secrets::collect(
        [
            ("GITHUB_TOKEN", "ghp_0123456789"),
            ("HTTPS_PROXY", "http://u:longpassword@h"),
            ("TOKEN", "1"),
            ("PATH", "/usr/bin"),
        ],
        [("NPM_TOKEN", "quote\"pass")],
        Some("machine x login me password netrcpass99\n"),
    );
    assert_eq!(s.mask("a ghp_0123456789 b"), "a *** b");
    assert_eq!(s.mask("longpassword"), "***");
    assert_eq!(s.mask("netrcpass99"), "***");
    assert_eq!(s.mask("{\"x\":\"quote\\\"pass\"}"), "{\"x\":\"***\"}");
    assert_eq!(s.mask("1 /usr/bin"), "1 /usr/bin", "short and harmless");
    assert!(!format!("{s:?}").contains("ghp_"), "Debug shows no secret");
}

#[test]
fn secrets_learnt_later_are_masked_by_every_clone() {
    let host = Secrets::collect([("GITHUB_TOKEN", "ghp_0123456789")], [], None);
    let held = host.clone(); // as a reporter's clone holds it
    let token = Secrets::collect([("REGISTRY_SECRET", "bearer-token-abcdef")], [], None);
    assert_eq!(held.mask("bearer-token-abcdef"), "bearer-token-abcdef");
    host.add(&token);
    host.add(&host.clone()); // adding itself changes nothing and does not deadlock
    for s in [&host, &held] {
        assert_eq!(
            s.mask("auth ghp_0123456789 then bearer-token-abcdef"),
            "auth *** then ***"
        );
    }
    assert_eq!(
        token.mask("ghp_0123456789"),
        "ghp_0123456789",
        "one way only"
    );
}
