//! The create commands, made from the spec's catalogue: a command group per category
//! (`video`, `image`, …), a command per kind, a flag per field of its body.
//!
//! A flag is named after its field (`x-name` where the spec gives one, so `model_name` is
//! `--model`; the wire name is an alias). Its help is the spec's description with the values
//! the spec knows. A closed set of values is checked by the parser; an open one (models,
//! durations, effect scenes) takes any value, and the library warns about an unknown one.
//! A media field takes a local file (sent as raw base64), an http(s) URL or a `data:` URL. A
//! field that repeats takes its flag again; a field whose value is an object takes JSON. A
//! single-media field and its plural (`image`, `images`) share one flag: given once, it fills
//! the single field, given more often, the list.

use clap::{Arg, ArgAction, ArgMatches, Args, FromArgMatches};
use nicerouter_kling::catalog::{Field, Media, Shape};
use nicerouter_kling::media::{AudioInput, ImageInput};
use nicerouter_kling::{Client, CreateRequest, Kind};
use serde_json::Value;

use crate::args::CreateOptions;
use crate::failure::Failure;

/// A parsed create command.
#[derive(Debug)]
pub struct Create {
    /// The kind of task.
    pub kind: Kind,
    /// The command's own matches: one per field flag.
    matches: ArgMatches,
    /// Whether to wait, and where the results go.
    pub options: CreateOptions,
}

/// The fields of `kind` that have a flag of their own: all but the plural of a single-media
/// field, which shares that field's flag.
fn flagged(kind: Kind) -> impl Iterator<Item = &'static Field> {
    kind.fields()
        .iter()
        .filter(move |f| plural_of(kind, f).is_none())
}

/// The single-media field whose plural `field` is (`images` of `image`).
fn plural_of(kind: Kind, field: &Field) -> Option<&'static Field> {
    let Shape::List(Shape::Media(media)) = field.shape else {
        return None;
    };
    let single = field.name.strip_suffix('s')?;
    kind.fields()
        .iter()
        .find(|f| f.name == single && f.shape == Shape::Media(*media))
}

/// The plural field that shares `field`'s flag, if there is one.
fn plural(kind: Kind, field: &Field) -> Option<&'static Field> {
    kind.fields()
        .iter()
        .find(|p| plural_of(kind, p).is_some_and(|s| s.pointer == field.pointer))
}

/// Adds a group of create commands per category to `cli`.
pub fn create_groups(mut cli: clap::Command) -> clap::Command {
    let mut groups: Vec<&'static str> = Vec::new();
    for kind in Kind::ALL {
        if let Some(group) = kind.cli().first()
            && !groups.contains(group)
        {
            groups.push(group);
        }
    }
    for group in groups {
        let mut command = clap::Command::new(group)
            .about(format!("Create {group} tasks."))
            .subcommand_required(true);
        for kind in Kind::ALL.iter().filter(|k| k.cli().first() == Some(&group)) {
            command = command.subcommand(create_command(*kind));
        }
        cli = cli.subcommand(command);
    }
    cli
}

fn create_command(kind: Kind) -> clap::Command {
    let name = kind.cli().get(1).copied().unwrap_or(kind.segment());
    let mut command = clap::Command::new(name).next_help_heading("Request (the spec's fields)");
    for field in flagged(kind) {
        command = command.arg(arg(kind, field));
    }
    CreateOptions::augment_args(command.next_help_heading("After the create"))
        .about(kind.summary().to_owned())
        .long_about(format!("{} (`POST {}`).", kind.summary(), kind.path()))
}

fn arg(kind: Kind, field: &'static Field) -> Arg {
    let flag = field.name.replace('_', "-");
    let wire = field.wire_name().replace('_', "-");
    let mut arg = Arg::new(field.pointer).long(flag.clone());
    if wire != flag {
        arg = arg.alias(wire);
    }
    let repeats =
        matches!(field.shape, Shape::List(_) | Shape::Wrapped(..)) || plural(kind, field).is_some();
    arg = arg.action(if repeats {
        ArgAction::Append
    } else {
        ArgAction::Set
    });
    arg = match field.shape {
        Shape::Integer => arg
            .value_parser(clap::value_parser!(i64))
            .allow_negative_numbers(true)
            .value_name("N"),
        Shape::Number => arg
            .value_parser(clap::value_parser!(f64))
            .allow_negative_numbers(true)
            .value_name("F"),
        Shape::Boolean => arg
            .value_parser(clap::value_parser!(bool))
            .num_args(0..=1)
            .default_missing_value("true")
            .value_name("BOOL"),
        Shape::Json => arg.value_name("JSON"),
        Shape::Media(Media::Video) => arg.value_name("URL"),
        Shape::Media(_) | Shape::List(Shape::Media(_)) | Shape::Wrapped(_, Shape::Media(_)) => {
            arg.value_name("PATH|URL")
        }
        _ if !field.open && !field.known.is_empty() => arg
            .value_parser(clap::builder::PossibleValuesParser::new(field.known))
            .value_name("VALUE"),
        _ => arg.value_name("VALUE"),
    };
    let top_level = field.pointer.matches('/').count() == 1;
    if field.required && top_level {
        arg = arg.required(true);
    }
    let (help, long) = help(kind, field);
    arg.help(help).long_help(long)
}

/// The short help (the description's first sentence) and the long help (all of it), with
/// the known values of an open vocabulary.
fn help(kind: Kind, field: &Field) -> (String, String) {
    let doc = field.doc.trim();
    let first = doc
        .split_once(". ")
        .map_or(doc, |(first, _)| first)
        .trim_end_matches('.')
        .replace('\n', " ");
    let mut short = if first.is_empty() {
        format!(
            "`{}`",
            field.pointer.trim_start_matches('/').replace('/', ".")
        )
    } else {
        first
    };
    let mut long = doc.to_owned();
    if field.open && !field.known.is_empty() {
        let known = field.known.join(", ");
        short.push_str(&format!(" [known: {known}]"));
        long.push_str(&format!(
            "\n\nKnown values: {known}. Others are sent as they are, with a warning."
        ));
    }
    if let Some(plural) = plural(kind, field) {
        let note = format!(" Repeat it for `{}`.", plural.name);
        short.push_str(&note);
        long.push_str(&note);
    }
    if matches!(field.shape, Shape::Json) {
        long.push_str("\n\nGiven as JSON.");
    }
    (short, long)
}

/// The create command the matches name, if they name one.
pub fn create_from(matches: &ArgMatches) -> Result<Option<Create>, clap::Error> {
    let Some((group, sub)) = matches.subcommand() else {
        return Ok(None);
    };
    let Some((name, command)) = sub.subcommand() else {
        return Ok(None);
    };
    let kind = Kind::ALL
        .iter()
        .copied()
        .find(|k| k.cli().first() == Some(&group) && k.cli().get(1) == Some(&name));
    let Some(kind) = kind else {
        return Ok(None);
    };
    Ok(Some(Create {
        kind,
        matches: command.clone(),
        options: CreateOptions::from_arg_matches(command)?,
    }))
}

/// The request the flags describe.
pub fn request(client: &Client, create: &Create) -> Result<CreateRequest, Failure> {
    let (kind, m) = (create.kind, &create.matches);
    let mut request = client.request(kind);
    for field in flagged(kind) {
        let id = field.pointer;
        if !m.contains_id(id) || m.value_source(id).is_none() {
            continue;
        }
        request = match field.shape {
            Shape::Integer => set_one::<i64>(request, m, field),
            Shape::Number => set_one::<f64>(request, m, field),
            Shape::Boolean => set_one::<bool>(request, m, field),
            Shape::Json => {
                let text = strings(m, id).next().unwrap_or_default();
                let value: Value = serde_json::from_str(&text).map_err(|e| {
                    Failure::usage(format!("--{}: not valid JSON ({e})", flag(field)))
                })?;
                request.set(id, value)
            }
            Shape::Media(Media::Video) | Shape::Text => match strings(m, id).next() {
                Some(text) => request.set(id, text),
                None => request,
            },
            Shape::Media(media) => {
                let values: Vec<String> = strings(m, id).collect();
                match plural(kind, field) {
                    Some(plural) if values.len() > 1 => request.media_items(
                        plural.pointer,
                        None,
                        media,
                        values.into_iter().map(|v| media_value(media, v)),
                    ),
                    _ => match values.into_iter().next() {
                        Some(v) => request.media(id, media, media_value(media, v)),
                        None => request,
                    },
                }
            }
            Shape::List(inner) | Shape::Wrapped(_, inner) => {
                let key = match field.shape {
                    Shape::Wrapped(key, _) => Some(key),
                    _ => None,
                };
                match *inner {
                    Shape::Media(media) if media != Media::Video => request.media_items(
                        id,
                        key,
                        media,
                        strings(m, id).map(|v| media_value(media, v)),
                    ),
                    Shape::Integer => request.items(id, key, many::<i64>(m, id).map(Value::from)),
                    Shape::Number => request.items(id, key, many::<f64>(m, id).map(Value::from)),
                    Shape::Boolean => request.items(id, key, many::<bool>(m, id).map(Value::from)),
                    _ => request.items(id, key, strings(m, id).map(Value::String)),
                }
            }
        };
    }
    Ok(request)
}

fn flag(field: &Field) -> String {
    field.name.replace('_', "-")
}

fn set_one<T>(request: CreateRequest, m: &ArgMatches, field: &Field) -> CreateRequest
where
    T: Clone + Send + Sync + 'static + Into<Value>,
{
    match m.get_one::<T>(field.pointer) {
        Some(value) => request.set(field.pointer, value.clone()),
        None => request,
    }
}

fn many<'m, T: Clone + Send + Sync + 'static>(
    m: &'m ArgMatches,
    id: &str,
) -> impl Iterator<Item = T> + 'm {
    m.get_many::<T>(id).into_iter().flatten().cloned()
}

fn strings<'m>(m: &'m ArgMatches, id: &str) -> impl Iterator<Item = String> + 'm {
    many::<String>(m, id)
}

/// A media flag's value: `http(s)://…` a URL, `data:…` inline base64, else a local file.
fn media_value(media: Media, value: String) -> nicerouter_kling::MediaValue {
    match media {
        Media::Audio => AudioInput::from(value).into(),
        _ => ImageInput::from(value).into(),
    }
}
