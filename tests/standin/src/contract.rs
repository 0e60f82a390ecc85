//! Discord's OpenAPI contract: route lookup and request/response validation.
//!
//! `openapi.json` (Discord's own OpenAPI 3.1 description of API v10) is loaded
//! and parsed once per process. Every request the bot sends is matched to an
//! operation (method + path template), and its path/query parameters and JSON
//! body are validated with `jsonschema` (draft 2020-12). Validators are compiled
//! lazily — about 25 ms each — and cached for the whole process, so a test
//! binary with many tests pays for each operation once.
//!
//! On top of the schema, [`discord_rules`] checks a few things real Discord
//! enforces that a JSON schema cannot express (or that the published schema
//! states more loosely than the API behaves for bots).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use jsonschema::{BasicOutput, Draft, Validator};
use serde_json::{json, Map, Value};

use super::state::UploadedFile;

/// Where the contract lives: `shared/` is a sibling of the project's
/// checkout, and this crate is `tests/standin/` in it.
const OPENAPI_PATH: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/discord-api/openapi.json"
);

/// HTTP methods an OpenAPI path item can hold.
const METHODS: [&str; 7] = ["get", "put", "post", "delete", "patch", "head", "options"];

/// The parsed contract plus a pre-split list of its path templates.
pub(super) struct Spec {
    doc: Value,
    routes: Vec<RouteTemplate>,
}

struct RouteTemplate {
    template: String,
    segments: Vec<Segment>,
}

enum Segment {
    Literal(String),
    Param(String),
}

/// A concrete path matched to a template, with the path parameters' values.
#[derive(Debug, Clone)]
pub(super) struct RouteMatch {
    pub template: &'static str,
    pub params: Vec<(String, String)>,
}

impl RouteMatch {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The outcome of checking one request against the contract.
#[derive(Debug, Default)]
pub(super) struct Checked {
    /// The matched operation's template, if the path is known at all.
    pub route: Option<RouteMatch>,
    /// The JSON body (for multipart requests: the `payload_json` part).
    pub json: Option<Value>,
    /// The files of a multipart request (every part but `payload_json`).
    pub files: Vec<UploadedFile>,
    /// Contract problems found; empty when the request is valid.
    pub problems: Vec<Problem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProblemKind {
    UnknownRoute,
    InvalidParameter,
    InvalidBody,
    DiscordRule,
    Unvalidated,
}

#[derive(Debug, Clone)]
pub(super) struct Problem {
    pub kind: ProblemKind,
    pub messages: Vec<String>,
}

/// The contract, loaded on first use. Panics (in the caller, normally
/// `StandIn::start`) if the file is missing or not JSON: no test can be
/// meaningful without it.
pub(super) fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let text = std::fs::read_to_string(OPENAPI_PATH).unwrap_or_else(|e| {
            panic!("stand-in: cannot read Discord's OpenAPI contract at {OPENAPI_PATH}: {e}")
        });
        let doc: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("stand-in: {OPENAPI_PATH} is not valid JSON: {e}"));
        Spec::new(doc)
    })
}

impl Spec {
    fn new(mut doc: Value) -> Self {
        // Discord takes a snowflake as a string or as a number (serenity, for
        // one, sends new attachments as `{"id": 0}`); the contract only
        // types the string form.
        if let Some(snowflake) = doc.pointer_mut("/components/schemas/SnowflakeType") {
            let as_string = snowflake.clone();
            *snowflake = json!({ "anyOf": [as_string, { "type": "integer", "minimum": 0 }] });
        }
        // Permission bitfields are typed as integers in the contract, but
        // Discord documents them as strings and accepts digit strings (the
        // contract's own README says so); serenity and poise send strings.
        if let Some(schemas) = doc
            .pointer_mut("/components/schemas")
            .and_then(Value::as_object_mut)
        {
            for schema in schemas.values_mut() {
                let Some(properties) = schema.get_mut("properties").and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for name in ["default_member_permissions", "permissions"] {
                    if let Some(property) = properties.get_mut(name) {
                        let typed_integer = property["type"] == json!("integer")
                            || property["type"]
                                .as_array()
                                .is_some_and(|t| t.contains(&json!("integer")));
                        if typed_integer {
                            let original = property.clone();
                            *property = json!({ "anyOf": [original, { "type": "string", "pattern": "^[0-9]+$" }] });
                        }
                    }
                }
            }
        }
        let routes = doc
            .get("paths")
            .and_then(Value::as_object)
            .map(|paths| {
                paths
                    .keys()
                    .map(|template| RouteTemplate {
                        template: template.clone(),
                        segments: split_path(template)
                            .map(
                                |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                                    Some(name) => Segment::Param(name.to_string()),
                                    None => Segment::Literal(s.to_string()),
                                },
                            )
                            .collect(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self { doc, routes }
    }

    /// Finds the template for a concrete path (without the `/api/v10` prefix).
    ///
    /// When several templates match (`/messages/bulk-delete` vs
    /// `/messages/{message_id}`), the one whose literal segments come first
    /// wins, the way Discord's router resolves them.
    pub fn match_path(&'static self, path: &str) -> Option<RouteMatch> {
        let concrete: Vec<&str> = split_path(path).collect();
        self.routes
            .iter()
            .filter(|route| route.segments.len() == concrete.len())
            .filter(|route| {
                route
                    .segments
                    .iter()
                    .zip(&concrete)
                    .all(|(seg, c)| match seg {
                        Segment::Literal(l) => l == c,
                        Segment::Param(_) => !c.is_empty(),
                    })
            })
            // Rank by where literals are: literal-first templates are more specific.
            .max_by_key(|route| {
                route
                    .segments
                    .iter()
                    .map(|s| matches!(s, Segment::Literal(_)))
                    .collect::<Vec<bool>>()
            })
            .map(|route| RouteMatch {
                template: route.template.as_str(),
                params: route
                    .segments
                    .iter()
                    .zip(&concrete)
                    .filter_map(|(seg, c)| match seg {
                        Segment::Param(name) => Some((name.clone(), (*c).to_string())),
                        Segment::Literal(_) => None,
                    })
                    .collect(),
            })
    }

    fn path_item(&self, template: &str) -> Option<&Value> {
        self.doc.get("paths")?.get(template)
    }

    fn operation(&self, template: &str, method: &str) -> Option<&Value> {
        self.path_item(template)?.get(method.to_ascii_lowercase())
    }

    /// Methods the contract knows for a template (for error messages).
    fn methods(&self, template: &str) -> Vec<String> {
        self.path_item(template)
            .and_then(Value::as_object)
            .map(|item| {
                item.keys()
                    .filter(|k| METHODS.contains(&k.as_str()))
                    .map(|k| k.to_ascii_uppercase())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Follows a local `$ref` (`#/components/...`) once.
    fn resolve<'a>(&'a self, value: &'a Value) -> &'a Value {
        match value.get("$ref").and_then(Value::as_str) {
            Some(r) => r
                .strip_prefix('#')
                .and_then(|ptr| self.doc.pointer(ptr))
                .unwrap_or(value),
            None => value,
        }
    }

    /// Compiles `schema` with the document's `components` attached as a root
    /// so that `#/components/schemas/...` references resolve.
    fn compile(&self, schema: &Value) -> Result<Validator, String> {
        let components = self.referenced_components(schema);
        let mut root = match schema {
            Value::Object(map) => map.clone(),
            other => {
                let mut map = Map::new();
                map.insert("allOf".into(), json!([other]));
                map
            }
        };
        root.insert("components".into(), components);
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            // Formats such as `date-time` and `uri` are worth asserting; the
            // spec's own formats (`snowflake`, `int32`) are ignored as unknown.
            .should_validate_formats(true)
            .should_ignore_unknown_formats(true)
            .build(&Value::Object(root))
            .map_err(|e| format!("schema does not compile: {e}"))
    }

    /// The part of `components` that `schema` reaches through `$ref`s,
    /// shaped like the original (`{"schemas": {...}}`). Attaching only this
    /// instead of all 1.2 MB keeps each compile cheap.
    fn referenced_components(&self, schema: &Value) -> Value {
        let mut subset = json!({});
        let mut seen = std::collections::HashSet::new();
        let mut pending = Vec::new();
        collect_refs(schema, &mut pending);
        while let Some(pointer) = pending.pop() {
            if !seen.insert(pointer.clone()) {
                continue;
            }
            let Some(target) = self.doc.pointer(&pointer) else {
                continue;
            };
            collect_refs(target, &mut pending);
            // Recreate the path (`/components/schemas/X`) inside `subset`.
            let mut node = &mut subset;
            let segments: Vec<&str> = pointer.trim_start_matches('/').split('/').collect();
            for (i, segment) in segments.iter().enumerate().skip(1) {
                let last = i == segments.len() - 1;
                let entry = node
                    .as_object_mut()
                    .map(|m| m.entry(segment.to_string()).or_insert_with(|| json!({})));
                let Some(entry) = entry else { break };
                if last {
                    *entry = target.clone();
                }
                node = entry;
            }
        }
        subset
    }

    /// The cached validator for `key`, compiling `schema` on first use.
    ///
    /// Each key has its own cell: concurrent tests wait for one compile of
    /// the same validator instead of repeating it, while different
    /// validators compile in parallel.
    fn validator(&self, key: String, schema: &Value) -> Result<Arc<Validator>, String> {
        type Cell = Arc<OnceLock<Result<Arc<Validator>, String>>>;
        static CACHE: OnceLock<Mutex<HashMap<String, Cell>>> = OnceLock::new();
        let cell = Arc::clone(
            CACHE
                .get_or_init(Default::default)
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .entry(key)
                .or_default(),
        );
        cell.get_or_init(|| self.compile(schema).map(Arc::new))
            .clone()
    }

    fn validate(&self, key: String, schema: &Value, instance: &Value) -> Vec<String> {
        match self.validator(key, schema) {
            Ok(v) if v.is_valid(instance) => Vec::new(),
            Ok(v) => explain(&v, instance),
            Err(e) => vec![e],
        }
    }

    /// Checks one request: route, path and query parameters, and body.
    pub fn check_request(
        &'static self,
        method: &str,
        path: &str,
        query: &[(String, String)],
        content_type: Option<&str>,
        body: &[u8],
        validate: bool,
    ) -> Checked {
        let mut checked = Checked::default();
        let Some(route) = self.match_path(path) else {
            checked.problems.push(Problem {
                kind: ProblemKind::UnknownRoute,
                messages: vec![format!("no operation in openapi.json matches path {path}")],
            });
            return checked;
        };
        let template = route.template;
        checked.route = Some(route.clone());
        let Some(operation) = self.operation(template, method) else {
            checked.problems.push(Problem {
                kind: ProblemKind::UnknownRoute,
                messages: vec![format!(
                    "{method} is not an operation of {template} (the contract has {:?})",
                    self.methods(template)
                )],
            });
            return checked;
        };

        // A multipart body is split first: its `payload_json` is the body
        // the contract describes, the other parts are files.
        let form = match Form::of(content_type, body) {
            Ok(form) => form,
            Err(reason) => {
                checked.problems.push(Problem {
                    kind: ProblemKind::InvalidBody,
                    messages: vec![format!("malformed multipart/form-data body: {reason}")],
                });
                return checked;
            }
        };
        if let Some(form) = &form {
            checked.files = form.files.clone();
        }

        if !validate {
            // Routing only: parse the body without judging it.
            let json = form.as_ref().map_or(Some(body), |f| f.payload_json);
            checked.json = json.and_then(|j| serde_json::from_slice(j).ok());
            return checked;
        }

        let params = self.check_parameters(method, template, operation, &route, query);
        if !params.is_empty() {
            checked.problems.push(Problem {
                kind: ProblemKind::InvalidParameter,
                messages: params,
            });
        }

        let payload = Payload {
            content_type,
            form: form.as_ref(),
            body,
        };
        match self.check_body(method, template, operation, &payload) {
            Ok(json) => checked.json = json,
            Err(problem) => checked.problems.push(problem),
        }
        if let Some(json) = &checked.json {
            let mut rules = discord_rules(method, template, json);
            rules.extend(upload_rules(json, &checked.files));
            if !rules.is_empty() {
                checked.problems.push(Problem {
                    kind: ProblemKind::DiscordRule,
                    messages: rules,
                });
            }
        }
        checked
    }

    fn check_parameters(
        &self,
        method: &str,
        template: &str,
        operation: &Value,
        route: &RouteMatch,
        query: &[(String, String)],
    ) -> Vec<String> {
        // Path-level parameters first, then the operation's own.
        let declared: Vec<&Value> = self
            .path_item(template)
            .and_then(|item| item.get("parameters"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .chain(
                operation
                    .get("parameters")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten(),
            )
            .map(|p| self.resolve(p))
            .collect();
        let find = |name: &str, location: &str| {
            declared.iter().copied().find(|p| {
                p.get("name").and_then(Value::as_str) == Some(name)
                    && p.get("in").and_then(Value::as_str) == Some(location)
            })
        };

        let mut problems = Vec::new();
        let given = route
            .params
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str(), "path"))
            .chain(query.iter().map(|(n, v)| (n.as_str(), v.as_str(), "query")));
        for (name, raw, location) in given {
            let Some(param) = find(name, location) else {
                problems.push(format!("{location} parameter `{name}` is not declared"));
                continue;
            };
            let Some(schema) = param.get("schema") else {
                continue;
            };
            let value = coerce(raw, self.resolve(schema));
            let key = format!("{method} {template} {location} {name}");
            for e in self.validate(key, schema, &value) {
                problems.push(format!("{location} parameter `{name}`={raw:?}: {e}"));
            }
        }
        problems
    }

    fn check_body(
        &self,
        method: &str,
        template: &str,
        operation: &Value,
        payload: &Payload<'_>,
    ) -> Result<Option<Value>, Problem> {
        let body = payload.body;
        let invalid = |messages| Problem {
            kind: ProblemKind::InvalidBody,
            messages,
        };
        let request_body = operation.get("requestBody").map(|rb| self.resolve(rb));
        let Some(request_body) = request_body else {
            if body.iter().all(u8::is_ascii_whitespace) {
                return Ok(None);
            }
            // Discord ignores stray bodies on GET/DELETE; the contract has
            // no place for one, so flag it.
            return Err(invalid(vec![format!(
                "{method} {template} takes no request body, got {} bytes",
                body.len()
            )]));
        };
        if body.is_empty() {
            let required = request_body.get("required").and_then(Value::as_bool);
            return if required == Some(true) {
                Err(invalid(vec!["request body is required".into()]))
            } else {
                Ok(None)
            };
        }

        let json = match payload.form {
            None => {
                let media = payload.content_type.map(media_type);
                if let Some(other) = media.filter(|m| m != "application/json") {
                    return Err(invalid(vec![format!(
                        "content type {other} is not accepted by the stand-in"
                    )]));
                }
                serde_json::from_slice::<Value>(body)
                    .map_err(|e| invalid(vec![format!("body is not JSON: {e}")]))?
            }
            Some(Form {
                payload_json: Some(payload),
                ..
            }) => serde_json::from_slice::<Value>(payload)
                .map_err(|e| invalid(vec![format!("payload_json is not JSON: {e}")]))?,
            // Files only: nothing structured to validate.
            Some(Form {
                payload_json: None, ..
            }) => {
                return Err(Problem {
                    kind: ProblemKind::Unvalidated,
                    messages: vec!["multipart body without payload_json".into()],
                })
            }
        };

        // The multipart schemas are `allOf[json schema, files]`, so the JSON
        // schema is the right one for `payload_json` as well.
        let Some(schema) = request_body.pointer("/content/application~1json/schema") else {
            return Err(invalid(vec![format!(
                "{method} {template} has no application/json request body in the contract"
            )]));
        };
        let errors = self.validate(format!("{method} {template} body"), schema, &json);
        if errors.is_empty() {
            Ok(Some(json))
        } else {
            Err(invalid(errors))
        }
    }

    /// Validates a response the stand-in is about to send (a self-check:
    /// the bot should be tested on the shapes Discord really sends).
    pub fn check_response(
        &self,
        method: &str,
        template: &str,
        status: u16,
        body: &Value,
    ) -> Vec<String> {
        let Some(responses) = self
            .operation(template, method)
            .and_then(|op| op.get("responses"))
        else {
            return Vec::new();
        };
        let class = format!("{}XX", status / 100);
        let Some(response) = responses
            .get(status.to_string())
            .or_else(|| responses.get(&class))
            .map(|r| self.resolve(r))
        else {
            return vec![format!(
                "status {status} is not a documented response of {method} {template}"
            )];
        };
        match response.pointer("/content/application~1json/schema") {
            Some(schema) => self.validate(
                format!("{method} {template} response {status}"),
                schema,
                body,
            ),
            None => Vec::new(),
        }
    }
}

/// Readable reasons for a failed validation.
///
/// A plain error for a union only says "not valid under any of the schemas
/// listed in the 'oneOf' keyword". The basic output format lists every
/// branch's errors instead; Discord's unions are discriminated by a `type`
/// field (or are `null`-or-something), so errors from branches whose
/// discriminator did not match, and from `null` alternatives, are noise and
/// are dropped. What remains is the actual reason, with its location.
fn explain(validator: &Validator, instance: &Value) -> Vec<String> {
    let units = match validator.apply(instance).basic() {
        BasicOutput::Invalid(units) => units,
        BasicOutput::Valid(_) => return Vec::new(),
    };
    let units: Vec<(String, String, String)> = units
        .iter()
        .map(|u| {
            (
                u.keyword_location().to_string(),
                u.instance_location().to_string(),
                u.error_description().to_string(),
            )
        })
        .collect();
    let mismatched: Vec<&str> = units
        .iter()
        .filter(|(kw, at, _)| {
            at.ends_with("/type") && (kw.ends_with("/enum") || kw.ends_with("/const"))
        })
        .filter_map(|(kw, _, _)| union_branch(kw))
        .collect();
    let mut reasons: Vec<String> = units
        .iter()
        .filter(|(kw, _, _)| !mismatched.iter().any(|b| kw.starts_with(b)))
        .filter(|(_, _, msg)| !msg.ends_with("is not of type \"null\""))
        .map(|(_, at, msg)| {
            let at = if at.is_empty() { "/" } else { at.as_str() };
            format!("{at}: {}", shorten(msg))
        })
        .collect();
    reasons.dedup();
    if reasons.is_empty() {
        // Nothing survived the filtering: fall back to the plain errors.
        reasons = validator
            .iter_errors(instance)
            .map(|e| format!("{}: {}", e.instance_path, shorten(&e.to_string())))
            .collect();
    }
    reasons
}

/// The schema path of the innermost `oneOf`/`anyOf` branch containing `kw`
/// (`.../oneOf/2`), if any.
fn union_branch(kw: &str) -> Option<&str> {
    let start = kw.rfind("/oneOf/").max(kw.rfind("/anyOf/"))?;
    let digits = kw[start + 7..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(kw.len(), |i| start + 7 + i);
    Some(&kw[..digits])
}

/// Error texts quote the offending value; keep them readable.
fn shorten(message: &str) -> String {
    const MAX: usize = 300;
    if message.chars().count() <= MAX {
        message.to_string()
    } else {
        let head: String = message.chars().take(MAX).collect();
        format!("{head}...")
    }
}

/// Adds every local `$ref` pointer under `value` (`/components/...`).
fn collect_refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                if let Some(pointer) = r.strip_prefix('#') {
                    out.push(pointer.to_string());
                }
            }
            map.values().for_each(|v| collect_refs(v, out));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

fn split_path(path: &str) -> impl Iterator<Item = &str> {
    path.trim_matches('/').split('/')
}

/// Turns a raw query/path string into the JSON type the parameter's schema
/// expects, the way Discord parses it (`limit=5` is an integer).
fn coerce(raw: &str, schema: &Value) -> Value {
    let types: Vec<&str> = match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if types.contains(&"integer") {
        if let Ok(n) = raw.parse::<i64>() {
            return Value::from(n);
        }
    }
    if types.contains(&"number") {
        if let Ok(n) = raw.parse::<f64>() {
            return json!(n);
        }
    }
    if types.contains(&"boolean") {
        match raw {
            "true" | "True" => return Value::Bool(true),
            "false" | "False" => return Value::Bool(false),
            _ => {}
        }
    }
    Value::String(raw.to_string())
}

fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').find_map(|part| {
        part.trim()
            .strip_prefix("boundary=")
            .map(|b| b.trim_matches('"').to_string())
            .filter(|b| !b.is_empty())
    })
}

/// The media type of a `Content-Type` header, lowercased, without
/// parameters.
fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// A request's body as sent, and split when it is a form.
struct Payload<'a> {
    content_type: Option<&'a str>,
    form: Option<&'a Form<'a>>,
    body: &'a [u8],
}

/// A `multipart/form-data` body, split: its `payload_json` part and its
/// files.
struct Form<'a> {
    pub payload_json: Option<&'a [u8]>,
    pub files: Vec<UploadedFile>,
}

impl<'a> Form<'a> {
    /// `None` for a body of another type; an error naming what is wrong
    /// with a multipart body Discord could not read either (it answers
    /// those with a 400).
    fn of(content_type: Option<&str>, body: &'a [u8]) -> Result<Option<Self>, String> {
        let Some(content_type) = content_type else {
            return Ok(None);
        };
        if media_type(content_type) != "multipart/form-data" {
            return Ok(None);
        }
        let boundary = boundary(content_type).ok_or("the Content-Type has no boundary")?;
        let mut form = Self {
            payload_json: None,
            files: Vec::new(),
        };
        for part in multipart_parts(body, &boundary)? {
            if part.name == "payload_json" {
                if form.payload_json.replace(part.data).is_some() {
                    return Err("more than one payload_json part".into());
                }
                continue;
            }
            if form.files.iter().any(|f| f.field == part.name) {
                return Err(format!("more than one part named {}", part.name));
            }
            form.files.push(UploadedFile {
                field: part.name,
                filename: part.filename,
                content_type: part.content_type,
                bytes: part.data.to_vec(),
            });
        }
        Ok(Some(form))
    }
}

/// One part of a multipart body.
struct Part<'a> {
    pub name: String,
    pub filename: Option<String>,
    pub content_type: Option<String>,
    pub data: &'a [u8],
}

/// Splits a `multipart/form-data` body into its parts (RFC 7578): each
/// part opens with `--boundary` and CRLF, has headers naming it in a
/// `Content-Disposition: form-data`, a blank line, its data, and the body
/// closes with `--boundary--`. Anything else is an error saying what.
fn multipart_parts<'a>(body: &'a [u8], boundary: &str) -> Result<Vec<Part<'a>>, String> {
    let opening = format!("--{boundary}");
    // Every delimiter after the first is preceded by a line break.
    let delimiter = format!("\r\n--{boundary}");
    let start = find(body, opening.as_bytes()).ok_or("no part starts with the boundary")?;
    let mut rest = &body[start + opening.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            break;
        }
        rest = rest
            .strip_prefix(b"\r\n")
            .ok_or("a boundary is not followed by a line break")?;
        let end =
            find(rest, delimiter.as_bytes()).ok_or("the body does not close with the boundary")?;
        parts.push(part(&rest[..end])?);
        rest = &rest[end + delimiter.len()..];
    }
    if parts.is_empty() {
        return Err("the body has no parts".into());
    }
    Ok(parts)
}

/// One part's headers and data.
fn part(chunk: &[u8]) -> Result<Part<'_>, String> {
    let split = find(chunk, b"\r\n\r\n").ok_or("a part has no blank line after its headers")?;
    let headers =
        std::str::from_utf8(&chunk[..split]).map_err(|_| "a part's headers are not UTF-8")?;
    let header = |name: &str| {
        headers.split("\r\n").find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_string())
        })
    };
    let disposition = header("content-disposition").ok_or("a part has no Content-Disposition")?;
    let mut fields = disposition.split(';').map(str::trim);
    if !fields
        .next()
        .is_some_and(|kind| kind.eq_ignore_ascii_case("form-data"))
    {
        return Err(format!(
            "a part's Content-Disposition is not form-data: {disposition}"
        ));
    }
    let param = |key: &str| {
        disposition.split(';').skip(1).find_map(|p| {
            let (k, v) = p.trim().split_once('=')?;
            (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
        })
    };
    let name = param("name")
        .filter(|n| !n.is_empty())
        .ok_or("a part has no name")?;
    Ok(Part {
        name,
        filename: param("filename"),
        content_type: header("content-type"),
        data: &chunk[split + 4..],
    })
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Discord's rule for uploads: a new attachment (one with a `filename`)
/// names by its `id` the part `files[id]` that carries it. Attachments
/// are at the top of a message body, under `data` in an interaction
/// callback and under `message` when a forum post is started.
fn upload_rules(body: &Value, files: &[UploadedFile]) -> Vec<String> {
    let mut problems = Vec::new();
    let lists = [
        ("attachments", body.get("attachments")),
        ("data.attachments", body.pointer("/data/attachments")),
        ("message.attachments", body.pointer("/message/attachments")),
    ];
    for (at, list) in lists {
        let Some(list) = list.and_then(Value::as_array) else {
            continue;
        };
        for (i, attachment) in list.iter().enumerate() {
            if attachment.get("filename").is_none() {
                continue; // An attachment the message keeps.
            }
            let id = match &attachment["id"] {
                Value::Number(n) => n.to_string(),
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let field = format!("files[{id}]");
            if !files.iter().any(|f| f.field == field) {
                problems.push(format!(
                    "{at}[{i}] is a new attachment with id {id}, but no part {field} was uploaded"
                ));
            }
        }
    }
    problems
}

/// Limits Discord enforces that the published schema does not capture, or
/// states more loosely than the API treats bots. Returns one message each.
pub(super) fn discord_rules(method: &str, template: &str, body: &Value) -> Vec<String> {
    let mut problems = Vec::new();
    // Which part of the body is a message, and whether it must be non-empty.
    let (message, must_have_content) = match (method, template) {
        ("POST", "/channels/{channel_id}/messages") => (Some(body), true),
        ("POST", "/channels/{channel_id}/threads") => {
            (body.get("message"), body.get("message").is_some())
        }
        ("POST", "/webhooks/{webhook_id}/{webhook_token}") => (Some(body), true),
        ("PATCH", "/channels/{channel_id}/messages/{message_id}")
        | ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original")
        | ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}") => {
            (Some(body), false)
        }
        ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") => {
            match body.get("type").and_then(Value::as_u64) {
                Some(4) => (body.get("data"), true),
                Some(7) => (body.get("data"), false),
                _ => (None, false),
            }
        }
        _ => (None, false),
    };
    let Some(message) = message.filter(|m| m.is_object()) else {
        if must_have_content {
            problems.push("Cannot send an empty message (code 50006): no message data".into());
        }
        return problems;
    };

    let content = message.get("content").and_then(Value::as_str).unwrap_or("");
    // The contract allows 4000 (a Nitro user's limit); bots get 2000.
    let chars = content.chars().count();
    if chars > 2000 {
        problems.push(format!(
            "content: Must be 2000 or fewer in length (BASE_TYPE_MAX_LENGTH), got {chars}"
        ));
    }
    let non_empty = |key: &str| match message.get(key) {
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Null) | None => false,
        Some(_) => true,
    };
    let components_v2 = message.get("flags").and_then(Value::as_u64).unwrap_or(0) & (1 << 15) != 0;
    if must_have_content
        && content.is_empty()
        && !["embeds", "components", "attachments", "sticker_ids", "poll"]
            .iter()
            .any(|k| non_empty(k))
    {
        problems.push("Cannot send an empty message (code 50006)".into());
    }

    if let Some(embeds) = message.get("embeds").and_then(Value::as_array) {
        let total: usize = embeds.iter().map(embed_chars).sum();
        if total > 6000 {
            problems.push(format!(
                "embeds: the combined text of all embeds must be 6000 or fewer characters, got {total}"
            ));
        }
    }

    if let Some(rows) = message.get("components").and_then(Value::as_array) {
        if !components_v2 && rows.len() > 5 {
            problems.push(format!(
                "components: Must be 5 or fewer in length, got {} action rows",
                rows.len()
            ));
        }
        let mut seen = std::collections::HashSet::new();
        visit_components(rows, &mut |c| {
            if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                if !seen.insert(id.to_string()) {
                    problems.push(format!(
                        "components: custom_id {id:?} is duplicated (COMPONENT_CUSTOM_ID_DUPLICATED)"
                    ));
                }
            }
            if c.get("type").and_then(Value::as_u64) == Some(2) {
                let style = c.get("style").and_then(Value::as_u64).unwrap_or(0);
                let has = |k: &str| c.get(k).is_some_and(|v| !v.is_null());
                match style {
                    5 if !has("url") || has("custom_id") => problems.push(
                        "components: a link button (style 5) needs a url and no custom_id".into(),
                    ),
                    6 if !has("sku_id") => problems
                        .push("components: a premium button (style 6) needs a sku_id".into()),
                    1..=4 if !has("custom_id") || has("url") => problems.push(format!(
                        "components: a button of style {style} needs a custom_id and no url"
                    )),
                    1..=4 if !has("label") && !has("emoji") => problems.push(format!(
                        "components: a button of style {style} needs a label or an emoji"
                    )),
                    _ => {}
                }
            }
        });
    }
    problems
}

/// The characters Discord counts toward an embed's 6000 total.
fn embed_chars(embed: &Value) -> usize {
    let len = |v: Option<&Value>| v.and_then(Value::as_str).map_or(0, |s| s.chars().count());
    let mut n = len(embed.get("title"))
        + len(embed.get("description"))
        + len(embed.pointer("/footer/text"))
        + len(embed.pointer("/author/name"));
    if let Some(fields) = embed.get("fields").and_then(Value::as_array) {
        n += fields
            .iter()
            .map(|f| len(f.get("name")) + len(f.get("value")))
            .sum::<usize>();
    }
    n
}

/// Calls `f` on every component, depth first (rows, containers, sections).
pub(super) fn visit_components(components: &[Value], f: &mut dyn FnMut(&Value)) {
    for c in components {
        f(c);
        if let Some(children) = c.get("components").and_then(Value::as_array) {
            visit_components(children, f);
        }
        if let Some(accessory) = c.get("accessory") {
            visit_components(std::slice::from_ref(accessory), f);
        }
        if let Some(inner) = c.get("component") {
            visit_components(std::slice::from_ref(inner), f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_templates_win_over_parameters() {
        let m = spec()
            .match_path("/webhooks/1/tok/messages/@original")
            .expect("matches");
        assert_eq!(
            m.template,
            "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
        );
        let m = spec()
            .match_path("/channels/5/messages/bulk-delete")
            .expect("matches");
        assert_eq!(m.template, "/channels/{channel_id}/messages/bulk-delete");
        let m = spec()
            .match_path("/channels/5/messages/6")
            .expect("matches");
        assert_eq!(m.param("message_id"), Some("6"));
    }

    #[test]
    fn query_parameters_are_coerced_and_checked() {
        let ok = spec().check_request(
            "GET",
            "/channels/5/messages",
            &[("limit".into(), "50".into())],
            None,
            b"",
            true,
        );
        assert!(ok.problems.is_empty(), "{:?}", ok.problems);
        let bad = spec().check_request(
            "GET",
            "/channels/5/messages",
            &[("limit".into(), "500".into())],
            None,
            b"",
            true,
        );
        assert_eq!(bad.problems[0].kind, ProblemKind::InvalidParameter);
    }

    #[test]
    fn multipart_payload_json_and_files_are_split() {
        let body = b"--XY\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n--XY\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n\xff\x00\r\n--XY--\r\n";
        let form = Form::of(Some("multipart/form-data; boundary=XY"), body)
            .expect("well formed")
            .expect("multipart");
        let json: Value = serde_json::from_slice(form.payload_json.expect("part")).unwrap();
        assert_eq!(json["content"], "hi");
        assert_eq!(
            form.files,
            [UploadedFile {
                field: "files[0]".into(),
                filename: Some("a.bin".into()),
                content_type: Some("application/octet-stream".into()),
                bytes: b"\xff\x00".to_vec(),
            }]
        );
        assert!(Form::of(Some("application/json"), b"{}").unwrap().is_none());
    }

    /// A message upload to `POST /channels/5/messages`, with `payload_json`
    /// as given and one file part `files[0]`.
    fn upload(payload_json: &str) -> Checked {
        let body = format!(
            "--B0undary\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"chart.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--B0undary\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{payload_json}\r\n--B0undary--\r\n"
        );
        spec().check_request(
            "POST",
            "/channels/5/messages",
            &[],
            Some("multipart/form-data; boundary=B0undary"),
            body.as_bytes(),
            true,
        )
    }

    #[test]
    fn a_well_formed_upload_passes_and_keeps_its_file() {
        let checked =
            upload(r#"{"content":"chart","attachments":[{"id":0,"filename":"chart.png"}]}"#);
        assert!(checked.problems.is_empty(), "{:?}", checked.problems);
        assert_eq!(checked.json.expect("payload_json")["content"], "chart");
        assert_eq!(checked.files[0].bytes, b"PNG");
        assert_eq!(checked.files[0].content_type.as_deref(), Some("image/png"));
    }

    #[test]
    fn an_upload_whose_payload_json_breaks_the_contract_is_rejected() {
        // Not JSON at all.
        let broken = upload(r#"{"content": "chart""#);
        assert_eq!(broken.problems[0].kind, ProblemKind::InvalidBody);
        assert!(broken.problems[0].messages[0].contains("payload_json is not JSON"));
        // JSON, but not a message: `content` must be a string.
        let invalid = upload(r#"{"content": 5}"#);
        assert_eq!(invalid.problems[0].kind, ProblemKind::InvalidBody);
        assert!(
            invalid.problems[0]
                .messages
                .iter()
                .any(|m| m.contains("/content")),
            "{:?}",
            invalid.problems
        );
    }

    #[test]
    fn an_attachment_must_name_an_uploaded_part() {
        let checked =
            upload(r#"{"content":"chart","attachments":[{"id":1,"filename":"chart.png"}]}"#);
        assert_eq!(checked.problems.len(), 1, "{:?}", checked.problems);
        assert_eq!(checked.problems[0].kind, ProblemKind::DiscordRule);
        assert!(checked.problems[0].messages[0].contains("files[1]"));
        let callback = upload_rules(
            &json!({"type": 4, "data": {"attachments": [{"id": "0", "filename": "a.png"}]}}),
            &[],
        );
        assert_eq!(callback.len(), 1, "{callback:?}");
    }

    #[test]
    fn malformed_multipart_bodies_are_rejected() {
        let check = |content_type: &str, body: &[u8]| {
            spec().check_request(
                "POST",
                "/channels/5/messages",
                &[],
                Some(content_type),
                body,
                true,
            )
        };
        let part = b"--B\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"content\":\"hi\"}\r\n";
        let unclosed = check("multipart/form-data; boundary=B", part);
        let mut closed = part.to_vec();
        closed.extend_from_slice(b"--B--\r\n");
        let no_boundary = check("multipart/form-data", &closed);
        let nameless = check(
            "multipart/form-data; boundary=B",
            b"--B\r\nContent-Disposition: form-data\r\n\r\n{}\r\n--B--\r\n",
        );
        let headerless = check("multipart/form-data; boundary=B", b"--B\r\n{}\r\n--B--\r\n");
        let empty = check("multipart/form-data; boundary=B", b"--B--\r\n");
        for (case, checked) in [
            ("unclosed", unclosed),
            ("no boundary", no_boundary),
            ("nameless part", nameless),
            ("part without headers", headerless),
            ("no parts", empty),
        ] {
            assert_eq!(checked.problems.len(), 1, "{case}: {:?}", checked.problems);
            assert_eq!(checked.problems[0].kind, ProblemKind::InvalidBody, "{case}");
            assert!(
                checked.problems[0].messages[0].starts_with("malformed multipart"),
                "{case}: {:?}",
                checked.problems
            );
        }
        assert!(check("multipart/form-data; boundary=B", &closed)
            .problems
            .is_empty());
    }
}
