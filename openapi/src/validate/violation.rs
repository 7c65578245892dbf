//! [`Violation`]: one broken rule, named the way a user reads it.

use std::collections::HashSet;
use std::fmt;

use jsonschema::paths::{Location, LocationSegment};
use jsonschema::{JsonType, ValidationError, error::TypeKind, error::ValidationErrorKind};
use serde_json::Value;

/// One rule that a value breaks, for example `input.text: at most 120 characters`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Violation {
    /// The dotted path of the offending field, for example `input.text`, `image_list[2].image`,
    /// or a parameter's name such as `pageSize`. For a missing required property it is the
    /// missing property's path (`prompt`), and for an unknown property the unknown one's path.
    /// A problem with the whole value is reported on the field `body` (a request or response
    /// body) or `value` (a component or an example).
    pub field: String,
    /// The JSON pointer of that field inside the validated value (`/input/text`); empty for a
    /// parameter or for the whole value.
    pub pointer: String,
    /// The rule, short and human, for example `at most 2500 characters`,
    /// `must be one of std, pro`, `is required` or ``unknown field `bogus` ``.
    pub rule: String,
}

impl Violation {
    /// A violation of `rule` by `field`, found at `pointer`.
    pub fn new(
        field: impl Into<String>,
        pointer: impl Into<String>,
        rule: impl Into<String>,
    ) -> Self {
        Violation {
            field: field.into(),
            pointer: pointer.into(),
            rule: rule.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.rule)
    }
}

/// What a path is reported as when it points at the whole value.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Root<'a> {
    /// The field name of the whole value (`body`, or a parameter's name).
    pub label: &'a str,
    /// Whether paths inside the value are prefixed by the label (`pageSize` has no inside).
    pub prefix_inner: bool,
}

impl Root<'_> {
    /// The root of a body: `body` for the whole value, plain paths inside it.
    pub(crate) const BODY: Root<'static> = Root {
        label: "body",
        prefix_inner: false,
    };
    /// The root of a free-standing value: `value` for the whole value, plain paths inside it.
    pub(crate) const VALUE: Root<'static> = Root {
        label: "value",
        prefix_inner: false,
    };
}

/// Turns every error of a validation into violations, in the order found, without duplicates.
pub(crate) fn from_errors<'e>(
    errors: impl IntoIterator<Item = ValidationError<'e>>,
    root: Root<'_>,
) -> Vec<Violation> {
    let mut found = Vec::new();
    for error in errors {
        push_error(&error, root, &mut found);
    }
    // A value of the wrong type breaks its other rules only as a consequence (`5` is "not one
    // of 5, 10" because it is a number): keep just the type error for that place.
    let mistyped: HashSet<String> = found
        .iter()
        .filter(|f| f.is_type)
        .map(|f| f.violation.pointer.clone())
        .collect();
    let mut seen = HashSet::new();
    found
        .into_iter()
        .filter(|f| f.is_type || !mistyped.contains(&f.violation.pointer))
        .map(|f| f.violation)
        .filter(|v| seen.insert(v.clone()))
        .collect()
}

/// A violation, and whether it is a wrong type.
struct Found {
    violation: Violation,
    is_type: bool,
}

fn push_error(error: &ValidationError<'_>, root: Root<'_>, out: &mut Vec<Found>) {
    let segments = segments(error.instance_path());
    let at = |extra: Option<&str>| {
        let mut segs = segments.clone();
        if let Some(name) = extra {
            segs.push(Segment::Key(name.to_owned()));
        }
        (field(&segs, root), pointer(&segs))
    };
    match error.kind() {
        ValidationErrorKind::Required { property } => {
            let name = property
                .as_str()
                .map_or_else(|| property.to_string(), str::to_owned);
            let (f, p) = at(Some(&name));
            out.push(Found {
                violation: Violation::new(f, p, "is required"),
                is_type: false,
            });
        }
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            for name in unexpected {
                let (f, p) = at(Some(name));
                let violation = Violation::new(f, p, format!("unknown field `{name}`"));
                out.push(Found {
                    violation,
                    is_type: false,
                });
            }
        }
        ValidationErrorKind::AnyOf { context } => {
            // A converted `nullable` schema is `anyOf: [{type: null}, schema]`; a non-null
            // value that fails it failed `schema`, so report those errors instead.
            let real: Vec<_> = context
                .iter()
                .filter(|branch| !is_null_type_failure(branch))
                .collect();
            match real.as_slice() {
                [branch] => {
                    for inner in branch.iter() {
                        push_error(inner, root, out);
                    }
                }
                _ => {
                    let (f, p) = at(None);
                    let violation = Violation::new(f, p, "matches none of the allowed shapes");
                    out.push(Found {
                        violation,
                        is_type: false,
                    });
                }
            }
        }
        kind => {
            let (f, p) = at(None);
            let is_type = matches!(kind, ValidationErrorKind::Type { .. });
            out.push(Found {
                violation: Violation::new(f, p, rule(kind, error)),
                is_type,
            });
        }
    }
}

/// Whether a branch failed only because the value is not `null`.
fn is_null_type_failure(branch: &[ValidationError<'_>]) -> bool {
    matches!(
        branch,
        [e] if matches!(e.kind(), ValidationErrorKind::Type { kind: TypeKind::Single(JsonType::Null) })
    )
}

/// The human rule for one error kind; jsonschema's own message is the fallback.
fn rule(kind: &ValidationErrorKind, error: &ValidationError<'_>) -> String {
    match kind {
        ValidationErrorKind::Enum { options } => match options.as_ref() {
            Value::Array(list) => format!(
                "must be one of {}",
                list.iter().map(plain).collect::<Vec<_>>().join(", ")
            ),
            other => format!("must be one of {}", plain(other)),
        },
        ValidationErrorKind::Constant { expected_value } => {
            format!("must be {}", plain(expected_value))
        }
        ValidationErrorKind::MaxLength { limit } => {
            format!("at most {limit} {}", plural(*limit, "character"))
        }
        ValidationErrorKind::MinLength { limit: 1 } => "must not be empty".to_owned(),
        ValidationErrorKind::MinLength { limit } => {
            format!("at least {limit} {}", plural(*limit, "character"))
        }
        ValidationErrorKind::MaxItems { limit } => {
            format!("at most {limit} {}", plural(*limit, "item"))
        }
        ValidationErrorKind::MinItems { limit } => {
            format!("at least {limit} {}", plural(*limit, "item"))
        }
        ValidationErrorKind::Minimum { limit } => format!("must be at least {limit}"),
        ValidationErrorKind::Maximum { limit } => format!("must be at most {limit}"),
        ValidationErrorKind::ExclusiveMinimum { limit } => format!("must be greater than {limit}"),
        ValidationErrorKind::ExclusiveMaximum { limit } => format!("must be less than {limit}"),
        ValidationErrorKind::Type { kind } => format!("must be {}", type_phrase(kind)),
        ValidationErrorKind::Pattern { pattern } => format!("must match the pattern `{pattern}`"),
        ValidationErrorKind::Format { format } => format!("must be a valid {format}"),
        ValidationErrorKind::MultipleOf { .. } => {
            // The fallback already reads "x is not a multiple of y".
            error.to_string()
        }
        _ => error.to_string(),
    }
}

fn type_phrase(kind: &TypeKind) -> String {
    let one = |t: JsonType| match t {
        JsonType::Integer => "an integer",
        JsonType::Object => "an object",
        JsonType::Array => "an array",
        JsonType::Boolean => "a boolean",
        JsonType::Number => "a number",
        JsonType::String => "a string",
        JsonType::Null => "null",
    };
    match kind {
        TypeKind::Single(t) => one(*t).to_owned(),
        TypeKind::Multiple(set) => {
            // "a string or null" reads better than "null or a string".
            let mut types: Vec<JsonType> = set.iter().collect();
            types.sort_by_key(|t| *t == JsonType::Null);
            types.into_iter().map(one).collect::<Vec<_>>().join(" or ")
        }
    }
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

/// A value as a user would write it in prose: strings without quotes.
fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[derive(Debug, Clone)]
enum Segment {
    Key(String),
    Index(usize),
}

fn segments(location: &Location) -> Vec<Segment> {
    location
        .iter()
        .map(|s| match s {
            LocationSegment::Property(name) => Segment::Key(name.into_owned()),
            LocationSegment::Index(i) => Segment::Index(i),
        })
        .collect()
}

/// `input.text`, `image_list[2].image`; the root's label for the whole value.
fn field(segments: &[Segment], root: Root<'_>) -> String {
    let mut out = if root.prefix_inner || segments.is_empty() {
        root.label.to_owned()
    } else {
        String::new()
    };
    for seg in segments {
        match seg {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Segment::Index(i) => {
                out.push_str(&format!("[{i}]"));
            }
        }
    }
    out
}

/// An RFC 6901 JSON pointer.
fn pointer(segments: &[Segment]) -> String {
    let mut out = String::new();
    for seg in segments {
        out.push('/');
        match seg {
            Segment::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            Segment::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}
