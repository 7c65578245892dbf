//! The open `task_status` enum that replaces the spec's `TaskStatus` string.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A task's state. Kling's values are `submitted`, `processing`, `succeed` and `failed`;
/// anything else (a relay's `queued`, a future value) is kept in [`TaskStatus::Other`] so that
/// decoding never fails. Only [`Succeed`](TaskStatus::Succeed) and
/// [`Failed`](TaskStatus::Failed) are terminal.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TaskStatus {
    /// `submitted`: accepted and queued.
    Submitted,
    /// `processing`: generating.
    Processing,
    /// `succeed`: done; `task_result` holds the outputs.
    Succeed,
    /// `failed`: done without outputs; `task_status_msg` holds the reason.
    Failed,
    /// A value this version does not know. Treat it as "not done yet".
    Other(String),
}

impl TaskStatus {
    /// The values Kling documents, in lifecycle order. Equal to the spec's `x-extensible-enum`.
    pub const KNOWN: [&'static str; 4] = ["submitted", "processing", "succeed", "failed"];

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            TaskStatus::Submitted => "submitted",
            TaskStatus::Processing => "processing",
            TaskStatus::Succeed => "succeed",
            TaskStatus::Failed => "failed",
            TaskStatus::Other(s) => s,
        }
    }

    /// Whether the task has finished, successfully or not.
    pub fn is_terminal(&self) -> bool {
        matches!(self, TaskStatus::Succeed | TaskStatus::Failed)
    }

    /// Whether the value is one this version does not know.
    pub fn is_unknown(&self) -> bool {
        matches!(self, TaskStatus::Other(_))
    }
}

impl From<&str> for TaskStatus {
    fn from(s: &str) -> Self {
        match s {
            "submitted" => TaskStatus::Submitted,
            "processing" => TaskStatus::Processing,
            "succeed" => TaskStatus::Succeed,
            "failed" => TaskStatus::Failed,
            other => TaskStatus::Other(other.to_owned()),
        }
    }
}

impl From<String> for TaskStatus {
    fn from(s: String) -> Self {
        match TaskStatus::from(s.as_str()) {
            TaskStatus::Other(_) => TaskStatus::Other(s),
            known => known,
        }
    }
}

impl FromStr for TaskStatus {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(TaskStatus::from(s))
    }
}

impl fmt::Display for TaskStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for TaskStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for TaskStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(TaskStatus::from)
    }
}

impl schemars::JsonSchema for TaskStatus {
    fn schema_name() -> String {
        "TaskStatus".to_owned()
    }

    fn json_schema(_: &mut schemars::r#gen::SchemaGenerator) -> schemars::schema::Schema {
        schemars::schema::SchemaObject {
            instance_type: Some(schemars::schema::InstanceType::String.into()),
            ..Default::default()
        }
        .into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_round_trip() {
        let s: TaskStatus = serde_json::from_str("\"queued\"").unwrap_or(TaskStatus::Submitted);
        assert_eq!(s, TaskStatus::Other("queued".into()));
        assert!(!s.is_terminal());
        assert_eq!(
            serde_json::to_string(&s).ok().as_deref(),
            Some("\"queued\"")
        );
        for known in TaskStatus::KNOWN {
            assert!(!TaskStatus::from(known).is_unknown());
        }
    }
}
