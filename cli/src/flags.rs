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
use nicerouter_kling::catalog::{CALLS, Call, Field, Media, Shape};
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

/// A parsed call command (not a task).
#[derive(Debug)]
pub struct CallCommand {
    /// The call.
    pub call: &'static Call,
    /// The command's own matches: one per field flag.
    matches: ArgMatches,
}

/// The fields that have a flag of their own: all but the plural of a single-media field,
/// which shares that field's flag.
fn flagged(fields: &'static [Field]) -> impl Iterator<Item = &'static Field> {
    fields
        .iter()
        .filter(move |f| plural_of(fields, f).is_none())
}

/// The single-media field whose plural `field` is (`images` of `image`).
fn plural_of(fields: &'static [Field], field: &Field) -> Option<&'static Field> {
    let Shape::List(Shape::Media(media)) = field.shape else {
        return None;
    };
    let single = field.name.strip_suffix('s')?;
    fields
        .iter()
        .find(|f| f.name == single && f.shape == Shape::Media(*media))
}

/// The plural field that shares `field`'s flag, if there is one.
fn plural(fields: &'static [Field], field: &Field) -> Option<&'static Field> {
    fields
        .iter()
        .find(|p| plural_of(fields, p).is_some_and(|s| s.pointer == field.pointer))
}

/// Adds a group of create commands per category to `cli`.
pub fn create_groups(mut cli: clap::Command) -> clap::Command {
    let mut groups: Vec<&'static str> = Vec::new();
    let words = Kind::ALL
        .iter()
        .map(|k| k.cli())
        .chain(CALLS.iter().map(|c| c.cli));
    for group in words.filter_map(|w| w.first().copied()) {
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    for group in groups {
        let mut command = clap::Command::new(group)
            .about(format!("Create {group} tasks (or make {group} calls)."))
            .subcommand_required(true);
        for kind in Kind::ALL.iter().filter(|k| k.cli().first() == Some(&group)) {
            command = command.subcommand(create_command(*kind));
        }
        for call in CALLS.iter().filter(|c| c.cli.first() == Some(&group)) {
            command = command.subcommand(call_command(call));
        }
        cli = cli.subcommand(command);
    }
    cli
}

fn call_command(call: &'static Call) -> clap::Command {
    let name = call.cli.get(1).copied().unwrap_or(call.operation);
    let mut command = clap::Command::new(name).next_help_heading("Request (the spec's fields)");
    for field in flagged(call.fields) {
        command = command.arg(arg(call.fields, field));
    }
    command.about(call.summary.to_owned()).long_about(format!(
        "{} (`{} {}`).",
        call.summary, call.method, call.path
    ))
}

fn create_command(kind: Kind) -> clap::Command {
    let name = kind.cli().get(1).copied().unwrap_or(kind.segment());
    let mut command = clap::Command::new(name).next_help_heading("Request (the spec's fields)");
    for field in flagged(kind.fields()) {
        command = command.arg(arg(kind.fields(), field));
    }
    CreateOptions::augment_args(command.next_help_heading("After the create"))
        .about(kind.summary().to_owned())
        .long_about(format!("{} (`POST {}`).", kind.summary(), kind.path()))
}

fn arg(fields: &'static [Field], field: &'static Field) -> Arg {
    let flag = flag(fields, field);
    let mut arg = Arg::new(field.pointer).long(flag.clone());
    let mut aliases: Vec<String> = Vec::new();
    for alias in [field.name, field.wire_name()] {
        let alias = alias.replace('_', "-");
        if alias != flag && !aliases.contains(&alias) {
            aliases.push(alias);
        }
    }
    arg = arg.aliases(aliases);
    let repeats = matches!(field.shape, Shape::List(_) | Shape::Wrapped(..))
        || plural(fields, field).is_some();
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
    let (help, long) = help(fields, field);
    arg.help(help).long_help(long)
}

/// The short help (the description's first sentence) and the long help (all of it), with
/// the known values of an open vocabulary.
fn help(fields: &'static [Field], field: &Field) -> (String, String) {
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
    if let Some(plural) = plural(fields, field) {
        let note = format!(" Repeat it for `{}`.", plural.name);
        short.push_str(&note);
        long.push_str(&note);
    }
    if matches!(field.shape, Shape::Json) {
        long.push_str("\n\nGiven as JSON.");
    }
    (short, long)
}

/// The call command the matches name, if they name one.
pub fn call_from(matches: &ArgMatches) -> Option<CallCommand> {
    let (group, sub) = matches.subcommand()?;
    let (name, m) = sub.subcommand()?;
    let call = CALLS
        .iter()
        .find(|c| c.cli.first() == Some(&group) && c.cli.get(1) == Some(&name))?;
    Some(CallCommand {
        call,
        matches: m.clone(),
    })
}

/// The parameters the flags of a call give: its JSON body, or the query parameters of a
/// `GET`, named as on the wire.
pub fn params(command: &CallCommand) -> Result<Value, Failure> {
    let (call, m) = (command.call, &command.matches);
    let mut params = serde_json::Map::new();
    for field in flagged(call.fields).filter(|f| given(m, f.pointer)) {
        let id = field.pointer;
        let value = match field.shape {
            Shape::Integer => m.get_one::<i64>(id).map(|v| Value::from(*v)),
            Shape::Number => m.get_one::<f64>(id).map(|v| Value::from(*v)),
            Shape::Boolean => m.get_one::<bool>(id).map(|v| Value::from(*v)),
            Shape::Json => strings(m, id)
                .next()
                .map(|text| json(field, &text))
                .transpose()?,
            Shape::List(_) | Shape::Wrapped(..) => {
                Some(Value::Array(strings(m, id).map(Value::String).collect()))
            }
            _ => strings(m, id).next().map(Value::String),
        };
        if let Some(value) = value {
            params.insert(field.wire_name().to_owned(), value);
        }
    }
    Ok(Value::Object(params))
}

/// Whether the flag of `id` was given.
fn given(m: &ArgMatches, id: &str) -> bool {
    m.contains_id(id) && m.value_source(id).is_some()
}

/// A JSON flag's value.
fn json(field: &Field, text: &str) -> Result<Value, Failure> {
    serde_json::from_str(text).map_err(|e| {
        Failure::usage(format!(
            "--{}: not valid JSON ({e})",
            field.name.replace('_', "-")
        ))
    })
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
    for field in flagged(kind.fields()) {
        let id = field.pointer;
        if !given(m, id) {
            continue;
        }
        request = match field.shape {
            Shape::Integer => set_one::<i64>(request, m, field),
            Shape::Number => set_one::<f64>(request, m, field),
            Shape::Boolean => set_one::<bool>(request, m, field),
            Shape::Json => match strings(m, id).next() {
                Some(text) => request.set(id, json(field, &text)?),
                None => request,
            },
            Shape::Media(Media::Video) | Shape::Text => match strings(m, id).next() {
                Some(text) => request.set(id, text),
                None => request,
            },
            Shape::Media(media) => {
                let values: Vec<String> = strings(m, id).collect();
                match plural(kind.fields(), field) {
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

/// The flag of `field`: its name, or for a list of media objects its item's key, given once
/// per item (`--image` for `image_list: [{image}]`), unless the kind has a field of that name.
/// The field's own name and its wire name are aliases.
fn flag(fields: &[Field], field: &Field) -> String {
    let name = match field.shape {
        Shape::Wrapped(key, Shape::Media(_)) if !fields.iter().any(|f| f.name == key) => key,
        _ => field.name,
    };
    name.replace('_', "-")
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
        Media::Audio | Media::AudioBase64 => AudioInput::from(value).into(),
        _ => ImageInput::from(value).into(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    /// The body the command line `args` (after `kling`) describes, as the library builds it.
    fn body(args: &[&str]) -> Value {
        let cli =
            crate::args::parse_from(std::iter::once("kling").chain(args.iter().copied())).unwrap();
        let crate::args::Command::Create(create) = cli.command else {
            panic!("not a create: {args:?}");
        };
        let client = Client::builder()
            .api_key("sk-test")
            .base_url("http://127.0.0.1:9") // never contacted: body() sends nothing
            .build()
            .unwrap();
        request(&client, &create).unwrap().body().unwrap()
    }

    #[test]
    fn a_list_of_media_objects_takes_its_items_key_as_the_flag_once_per_item() {
        let urls = ["https://x.example/a.png", "https://x.example/b.png"];
        let expected = serde_json::json!([{"image": urls[0]}, {"image": urls[1]}]);
        for flag in ["--image", "--image-list"] {
            let body = body(&[
                "video",
                "multi-image2video",
                "--prompt",
                "p",
                flag,
                urls[0],
                flag,
                urls[1],
            ]);
            assert_eq!(body["image_list"], expected, "{flag}: {body}");
        }
    }

    #[test]
    fn the_flag_of_a_list_of_media_objects_is_its_items_key() {
        let field = |kind: Kind, name: &str| {
            kind.fields()
                .iter()
                .find(|f| f.name == name)
                .unwrap_or_else(|| panic!("{kind:?} has no {name}"))
        };
        let image_list = field(Kind::MultiImageToVideo, "image_list");
        assert_eq!(flag(Kind::MultiImageToVideo.fields(), image_list), "image");
        // Other fields keep their names.
        let voice_list = field(Kind::ImageToVideo, "voice_list");
        assert_eq!(flag(Kind::ImageToVideo.fields(), voice_list), "voice-list");
        let model = field(Kind::TextToVideo, "model");
        assert_eq!(flag(Kind::TextToVideo.fields(), model), "model");
    }
}
