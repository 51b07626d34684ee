//! The referrers of a manifest (OCI distribution 1.1): `GET /v2/NAME/referrers/DIGEST`
//! where the registry has the API, else the referrers tag schema, an image index
//! tagged `<alg>-<hex>` (`sha256-…`) listing them, which registries without the API
//! (Debian's docker-registry 2.8) store like any index. Pushing a referrer (a manifest
//! with a `subject`) puts it by digest; a registry with the API says so with the
//! `OCI-Subject` header, and for one without, the tag's index is read, given the new
//! descriptor (once) and put back.

use serde_json::{json, Value};
use ureq::http::Method;

use super::client::Client;
use super::http::{self, Request};
use super::reference::parse_digest;
use super::session::{encode, Access};
use super::{Kind, RegistryError};
use crate::image::manifest::MAX_JSON;

/// The media type of an OCI image index.
pub const INDEX_TYPE: &str = "application/vnd.oci.image.index.v1+json";
/// The most pages of a referrers answer followed (`Link: <…>; rel="next"`).
pub const MAX_PAGES: usize = 16;

/// How the referrers were found or recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The registry's referrers API.
    Api,
    /// The referrers tag schema (`sha256-<hex>`).
    TagSchema,
}

/// The referrers of a subject: their descriptors (as the registry listed them).
#[derive(Debug, Clone, PartialEq)]
pub struct Referrers {
    pub via: Via,
    pub manifests: Vec<Value>,
}

/// The referrers tag of a subject digest: `<alg>-<hex>`, the algorithm cut to 32
/// characters and the hex to 64, as the distribution spec says.
pub fn fallback_tag(subject: &str) -> Result<String, String> {
    let d = parse_digest(subject)?;
    let alg: String = d.algorithm().to_string().chars().take(32).collect();
    let hex: String = d.digest().chars().take(64).collect();
    Ok(format!("{alg}-{hex}"))
}

/// The `next` link of a `Link` header, if any.
fn next_link(header: &str) -> Option<&str> {
    header.split(',').find_map(|part| {
        let (url, params) = part.trim().split_once(';')?;
        let is_next = params.split(';').any(|p| {
            p.trim()
                .replace(' ', "")
                .eq_ignore_ascii_case("rel=\"next\"")
                || p.trim().eq_ignore_ascii_case("rel=next")
        });
        is_next.then(|| url.trim().trim_start_matches('<').trim_end_matches('>'))
    })
}

/// The `manifests` of an index document (`what` names it in errors).
fn index_manifests(bytes: &[u8], what: &str) -> Result<Vec<Value>, String> {
    crate::input::json::no_duplicate_keys(bytes).map_err(|e| format!("{what}: refused: {e}"))?;
    let v: Value = serde_json::from_slice(bytes).map_err(|e| {
        format!(
            "{what} is not JSON (line {}, column {})",
            e.line(),
            e.column()
        )
    })?;
    match v.get("manifests") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => Ok(a.clone()),
        Some(_) => Err(format!("{what}: `manifests` is not a list")),
    }
}

impl Client {
    /// The referrers of `subject` in `repo`, of `artifact_type` only when given.
    pub fn referrers(
        &self,
        repo: &str,
        subject: &str,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, RegistryError> {
        parse_digest(subject).map_err(|e| self.err(Kind::Reference, e))?;
        let what = format!("the referrers of {subject} in `{}/{repo}`", self.registry());
        let mut url = format!("/v2/{repo}/referrers/{subject}");
        if let Some(t) = artifact_type {
            url.push_str(&format!("?artifactType={}", encode(t)));
        }
        let mut manifests = Vec::new();
        for page in 0.. {
            if page == MAX_PAGES {
                return Err(self.err(
                    Kind::TooLarge,
                    format!("{what}: more than {MAX_PAGES} pages"),
                ));
            }
            let mut req = Request::new(Method::GET, url.clone()).header("accept", INDEX_TYPE);
            req.expect = MAX_JSON;
            let resp = self.session.send(&mut req, &[Access::Pull(repo)])?;
            match resp.status {
                200 => {}
                // No referrers API (a registry with it answers 200 even for none).
                404 if page == 0 => return self.referrers_by_tag(repo, subject, artifact_type),
                _ => return Err(self.unexpected(&what, resp)),
            }
            let filtered = resp
                .header("oci-filters-applied")
                .is_some_and(|f| f.contains("artifactType"));
            let next = resp
                .header("link")
                .and_then(next_link)
                .and_then(|l| http::join(&resp.url, l));
            let bytes = resp
                .read_bounded(MAX_JSON, &what)
                .map_err(|e| self.session.clean(e))?;
            let listed = index_manifests(&bytes, &what).map_err(|e| self.err(Kind::Protocol, e))?;
            manifests.extend(listed.into_iter().filter(|m| {
                filtered
                    || artifact_type.map_or(true, |t| {
                        m.get("artifactType").and_then(Value::as_str) == Some(t)
                    })
            }));
            match next {
                Some(n) => url = n,
                None => break,
            }
        }
        Ok(Referrers {
            via: Via::Api,
            manifests,
        })
    }

    /// The referrers listed by the tag schema (none when the tag does not exist).
    fn referrers_by_tag(
        &self,
        repo: &str,
        subject: &str,
        artifact_type: Option<&str>,
    ) -> Result<Referrers, RegistryError> {
        let manifests = self.tag_index(repo, subject)?;
        Ok(Referrers {
            via: Via::TagSchema,
            manifests: manifests
                .into_iter()
                .filter(|m| {
                    artifact_type.map_or(true, |t| {
                        m.get("artifactType").and_then(Value::as_str) == Some(t)
                    })
                })
                .collect(),
        })
    }

    /// The descriptors of the referrers tag's index, empty when there is no such tag.
    fn tag_index(&self, repo: &str, subject: &str) -> Result<Vec<Value>, RegistryError> {
        let tag = fallback_tag(subject).map_err(|e| self.err(Kind::Reference, e))?;
        match self.get_manifest(repo, &tag) {
            Ok(m) => index_manifests(&m.bytes, &format!("the referrers index `{repo}:{tag}`"))
                .map_err(|e| self.err(Kind::Protocol, e)),
            Err(e) if e.kind == Kind::NotFound => Ok(Vec::new()),
            Err(e) => Err(e),
        }
    }

    /// Pushes a referrer, a manifest (`bytes` of `media_type`) whose `subject` is
    /// `subject`, by digest, and records it in the tag schema when the registry has no
    /// referrers API. Returns its digest and how it is listed.
    pub fn push_referrer(
        &self,
        repo: &str,
        media_type: &str,
        bytes: &[u8],
        subject: &str,
    ) -> Result<(String, Via), RegistryError> {
        let what = format!(
            "pushing a referrer of {subject} to `{}/{repo}`",
            self.registry()
        );
        let doc: Value = serde_json::from_slice(bytes).map_err(|e| {
            self.err(
                Kind::Reference,
                format!("{what}: the manifest is not JSON (line {})", e.line()),
            )
        })?;
        let stated = doc.pointer("/subject/digest").and_then(Value::as_str);
        if stated != Some(subject) {
            return Err(self.err(
                Kind::Reference,
                format!(
                    "{what}: the manifest's subject is {}, not {subject}",
                    stated.unwrap_or("missing")
                ),
            ));
        }
        let digest = super::client::sha256_digest(bytes);
        let put = self.put_manifest(repo, &digest, media_type, bytes)?;
        if put.subject.as_deref() == Some(subject) {
            return Ok((put.digest, Via::Api));
        }
        let mut descriptor = json!({
            "mediaType": media_type,
            "digest": put.digest,
            "size": bytes.len(),
        });
        // The artifact type: the manifest's own, else its config's media type.
        let artifact_type = doc
            .get("artifactType")
            .or_else(|| doc.pointer("/config/mediaType"))
            .and_then(Value::as_str);
        if let Some(t) = artifact_type {
            descriptor["artifactType"] = json!(t);
        }
        if let Some(a) = doc.get("annotations").filter(|a| a.is_object()) {
            descriptor["annotations"] = a.clone();
        }
        let mut manifests = self.tag_index(repo, subject)?;
        if !manifests
            .iter()
            .any(|m| m.get("digest").and_then(Value::as_str) == Some(put.digest.as_str()))
        {
            manifests.push(descriptor);
        }
        let index = json!({
            "schemaVersion": 2,
            "mediaType": INDEX_TYPE,
            "manifests": manifests,
        });
        let index = serde_json::to_vec(&index).unwrap_or_default();
        let tag = fallback_tag(subject).map_err(|e| self.err(Kind::Reference, e))?;
        self.put_manifest(repo, &tag, INDEX_TYPE, &index)?;
        Ok((put.digest, Via::TagSchema))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_tags_follow_the_spec() {
        let hex = "ab".repeat(32);
        assert_eq!(
            fallback_tag(&format!("sha256:{hex}")).unwrap(),
            format!("sha256-{hex}")
        );
        let long = "cd".repeat(64);
        assert_eq!(
            fallback_tag(&format!("sha512:{long}")).unwrap(),
            format!("sha512-{}", &long[..64])
        );
        assert!(fallback_tag("sha256:xyz").is_err());
    }

    #[test]
    fn next_links_are_found() {
        assert_eq!(
            next_link(r#"</v2/a/referrers/x?n=2>; rel="next""#),
            Some("/v2/a/referrers/x?n=2")
        );
        assert_eq!(
            next_link(r#"<https://h/p>; rel="prev", <https://h/n>; rel=next"#),
            Some("https://h/n")
        );
        assert_eq!(next_link("<x>"), None);
    }

    #[test]
    fn index_documents_are_checked() {
        assert_eq!(
            index_manifests(br#"{"manifests":[{"digest":"d"}]}"#, "i")
                .unwrap()
                .len(),
            1
        );
        assert!(index_manifests(br#"{"manifests":{}}"#, "i").is_err());
        assert!(index_manifests(br#"{"manifests":[],"manifests":[]}"#, "i").is_err());
        assert!(index_manifests(b"{}", "i").unwrap().is_empty());
    }
}
