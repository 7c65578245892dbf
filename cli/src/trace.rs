//! `-v`: tracing on stderr. Human lines by default; with `--json`, one JSON object per line,
//! `{"event": "trace", "level", "target", "message", "fields", "spans", "time"}`, so that
//! stderr stays parseable line by line next to the progress events.
//!
//! (tracing-subscriber's own `json` feature needs crates this workspace does not lock; this
//! formatter is the part of it the tool needs, on `serde_json`.)

use std::fmt;
use std::io::IsTerminal;

use serde_json::{Map, Value, json};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::field::RecordFields;
use tracing_subscriber::fmt::format::{FormatEvent, FormatFields, Writer};
use tracing_subscriber::fmt::time::{FormatTime, SystemTime};
use tracing_subscriber::fmt::{FmtContext, FormattedFields};
use tracing_subscriber::registry::LookupSpan;

/// `-v` turns on the SDK's request spans on stderr; `-vv` adds every crate at debug level
/// (never trace, where HTTP internals may show headers). The SDK never records keys, secrets
/// or tokens; the tests check every command's output at both levels. With `json`, every
/// line is a JSON object.
pub fn init(verbose: u8, json: bool) {
    let filter = match verbose {
        0 => return,
        1 => "warn,nicerouter_kling=debug,nicerouter_kling_raw=debug,kling=debug",
        _ => "debug",
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::new(filter))
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .fmt_fields(JsonFields)
            .event_format(JsonLines)
            .try_init()
    } else {
        builder
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .try_init()
    };
}

/// Collects fields into a JSON object: numbers and booleans as such, the rest as text.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Fields<'_> {
    fn put(&mut self, field: &Field, value: Value) {
        self.0.insert(field.name().to_owned(), value);
    }
}

impl Visit for Fields<'_> {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string().into());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

/// A span's fields, kept as the text of a JSON object (fields recorded later are merged in).
struct JsonFields;

impl<'writer> FormatFields<'writer> for JsonFields {
    fn format_fields<R: RecordFields>(
        &self,
        mut writer: Writer<'writer>,
        fields: R,
    ) -> fmt::Result {
        let mut map = Map::new();
        fields.record(&mut Fields(&mut map));
        write!(writer, "{}", Value::Object(map))
    }

    fn add_fields(
        &self,
        current: &'writer mut FormattedFields<Self>,
        fields: &tracing::span::Record<'_>,
    ) -> fmt::Result {
        let mut map = match serde_json::from_str(&current.fields) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        };
        fields.record(&mut Fields(&mut map));
        current.fields = Value::Object(map).to_string();
        Ok(())
    }
}

/// One event as one JSON line, with the spans it happened in (outermost first).
struct JsonLines;

impl<S, N> FormatEvent<S, N> for JsonLines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let meta = event.metadata();
        let mut fields = Map::new();
        event.record(&mut Fields(&mut fields));
        let message = fields.remove("message").unwrap_or(Value::Null);
        let spans: Vec<Value> = ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
            .map(|span| {
                let extensions = span.extensions();
                let fields =
                    extensions
                        .get::<FormattedFields<N>>()
                        .map_or(Value::Object(Map::new()), |f| {
                            serde_json::from_str(&f.fields)
                                .unwrap_or_else(|_| Value::String(f.fields.clone()))
                        });
                json!({ "name": span.name(), "fields": fields })
            })
            .collect();
        let mut time = String::new();
        let _ = SystemTime.format_time(&mut Writer::new(&mut time));
        let line = json!({
            "event": "trace",
            "level": meta.level().to_string(),
            "target": meta.target(),
            "message": message,
            "fields": fields,
            "spans": spans,
            "time": time,
        });
        writeln!(writer, "{line}")
    }
}
