//! `{{params.x}}`, `{{alarm.labels.x}}`, `{{alarm.annotations.x}}`,
//! `{{alarm.fingerprint}}`, `{{run.id}}`, `{{run.operator}}`: filled into
//! one argv element, URL, header, body or message at a time. The value is
//! data: it is never parsed again, so a label holding `; rm -rf /` reaches a
//! child process as one literal argument.

use std::collections::BTreeMap;

/// The values a template can name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Context {
    pub params: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    pub annotations: BTreeMap<String, String>,
    pub fingerprint: Option<String>,
    pub run_id: String,
    pub operator: String,
}

/// A reference found in a template, as written between the braces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ref {
    Param(String),
    Label(String),
    Annotation(String),
    Fingerprint,
    RunId,
    Operator,
}

impl Ref {
    fn parse(inner: &str) -> Result<Ref, String> {
        let inner = inner.trim();
        let (head, rest) = inner.split_once('.').unwrap_or((inner, ""));
        let named = |what: &str, r: &str| -> Result<String, String> {
            if r.is_empty()
                || !r
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                Err(format!("{{{{{inner}}}}}: {what} needs a name"))
            } else {
                Ok(r.to_string())
            }
        };
        match head {
            "params" => Ok(Ref::Param(named("params.", rest)?)),
            "alarm" => match rest.split_once('.') {
                Some(("labels", n)) => Ok(Ref::Label(named("alarm.labels.", n)?)),
                Some(("annotations", n)) => Ok(Ref::Annotation(named("alarm.annotations.", n)?)),
                None if rest == "fingerprint" => Ok(Ref::Fingerprint),
                _ => Err(format!(
                    "{{{{{inner}}}}}: use alarm.labels.NAME, alarm.annotations.NAME or alarm.fingerprint"
                )),
            },
            "run" if rest == "id" => Ok(Ref::RunId),
            "run" if rest == "operator" => Ok(Ref::Operator),
            _ => Err(format!(
                "{{{{{inner}}}}}: unknown template (params.NAME, alarm.labels.NAME, alarm.annotations.NAME, alarm.fingerprint, run.id, run.operator)"
            )),
        }
    }
}

/// Every reference in `s`, or why one is malformed.
pub fn refs(s: &str) -> Result<Vec<Ref>, String> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("{s:?}: `{{{{` without `}}}}`"));
        };
        out.push(Ref::parse(&after[..end])?);
        rest = &after[end + 2..];
    }
    Ok(out)
}

pub fn has_template(s: &str) -> bool {
    s.contains("{{")
}

/// `s` with every reference replaced by its value. An alarm label the
/// alarm does not have, or a run with no alarm, is an error: a plan must
/// not run `kubectl drain ""`.
pub fn render(s: &str, ctx: &Context) -> Result<String, String> {
    render_with(s, ctx)
}

/// Like [`render`], with the values of secret parameters shown as `••••`
/// (previews, the journal).
pub fn render_masked(s: &str, ctx: &Context, secrets: &[String]) -> Result<String, String> {
    let mut masked = ctx.clone();
    for name in secrets {
        if masked.params.contains_key(name) {
            masked.params.insert(name.clone(), MASK.into());
        }
    }
    render_with(s, &masked)
}

pub const MASK: &str = "••••";

fn render_with(s: &str, ctx: &Context) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find("}}") else {
            return Err(format!("{s:?}: `{{{{` without `}}}}`"));
        };
        let value = match Ref::parse(&after[..end])? {
            Ref::Param(n) => ctx
                .params
                .get(&n)
                .ok_or_else(|| format!("parameter {n:?} has no value"))?,
            Ref::Label(n) => ctx
                .labels
                .get(&n)
                .ok_or_else(|| format!("the alarm has no label {n:?}"))?,
            Ref::Annotation(n) => ctx
                .annotations
                .get(&n)
                .ok_or_else(|| format!("the alarm has no annotation {n:?}"))?,
            Ref::Fingerprint => ctx
                .fingerprint
                .as_ref()
                .ok_or_else(|| "the run has no alarm (alarm.fingerprint)".to_string())?,
            Ref::RunId => &ctx.run_id,
            Ref::Operator => &ctx.operator,
        };
        out.push_str(value);
        rest = &after[end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        let mut c = Context::default();
        c.params
            .insert("instance".into(), "a; rm -rf / $(id) `id`\nx".into());
        c.labels.insert("service".into(), "payments".into());
        c
    }

    #[test]
    fn values_are_inserted_verbatim_into_one_string() {
        assert_eq!(
            render("--node={{params.instance}}", &ctx()).unwrap(),
            "--node=a; rm -rf / $(id) `id`\nx"
        );
        assert_eq!(
            render("{{ alarm.labels.service }}", &ctx()).unwrap(),
            "payments"
        );
    }

    #[test]
    fn missing_values_and_bad_references_are_errors() {
        assert!(
            render("{{params.nope}}", &ctx())
                .unwrap_err()
                .contains("nope")
        );
        assert!(
            render("{{alarm.labels.zone}}", &ctx())
                .unwrap_err()
                .contains("zone")
        );
        assert!(render("{{alarm.fingerprint}}", &ctx()).is_err());
        assert!(refs("{{env.HOME}}").is_err());
        assert!(refs("{{params.x").is_err());
        assert_eq!(
            refs("a {{params.x}} b {{run.id}}").unwrap(),
            vec![Ref::Param("x".into()), Ref::RunId]
        );
    }

    #[test]
    fn secrets_are_masked() {
        let mut c = ctx();
        c.params.insert("token".into(), "hunter2".into());
        let s = render_masked("Bearer {{params.token}}", &c, &["token".into()]).unwrap();
        assert_eq!(s, "Bearer ••••");
    }
}
