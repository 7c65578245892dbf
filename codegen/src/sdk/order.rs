//! The order of properties as the YAML writes them.
//!
//! The spec is read through a JSON value whose maps are sorted, so the parsed document has
//! lost the author's property order. Setters, constructor arguments and flags follow the
//! author's order, read here from the YAML text itself.

use std::collections::HashMap;
use std::fmt;

use serde::de::{Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// A YAML node that keeps only maps, in order.
enum Node {
    Map(Vec<(String, Node)>),
    Other,
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML node")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<serde_json::Value>()? {
            let key = match key {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            entries.push((key, map.next_value::<Node>()?));
        }
        Ok(Node::Map(entries))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Node::Other)
    }

    fn visit_bool<E>(self, _: bool) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_str<E>(self, _: &str) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_unit<E>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_none<E>(self) -> Result<Node, E> {
        Ok(Node::Other)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
        Node::deserialize(d)
    }
}

/// The paths, and the property names of every component schema, in the YAML's order.
#[derive(Debug, Default)]
pub struct PropertyOrder {
    paths: Vec<String>,
    properties: HashMap<String, Vec<String>>,
}

impl PropertyOrder {
    /// Reads the order from the YAML; an unreadable text gives no order.
    pub fn of(yaml: &str) -> PropertyOrder {
        let Ok(Node::Map(root)) = serde_saphyr::from_str::<Node>(yaml) else {
            return PropertyOrder::default();
        };
        let mut properties = HashMap::new();
        let schemas = entry(&root, "components").and_then(|c| entry(c, "schemas"));
        for (name, schema) in schemas.into_iter().flatten() {
            if let Node::Map(schema) = schema
                && let Some(own) = entry(schema, "properties")
            {
                let names = own.iter().map(|(k, _)| k.clone()).collect();
                properties.insert(name.clone(), names);
            }
        }
        let paths = entry(&root, "paths")
            .into_iter()
            .flatten()
            .map(|(k, _)| k.clone())
            .collect();
        PropertyOrder { paths, properties }
    }

    /// The position of `path` among the paths, for sorting.
    pub fn path_position(&self, path: &str) -> usize {
        self.paths
            .iter()
            .position(|p| p == path)
            .unwrap_or(usize::MAX)
    }

    /// The position of `property` in `component`, for sorting.
    pub fn position(&self, component: &str, property: &str) -> usize {
        self.properties
            .get(component)
            .and_then(|names| names.iter().position(|n| n == property))
            .unwrap_or(usize::MAX)
    }
}

fn entry<'a>(map: &'a [(String, Node)], key: &str) -> Option<&'a [(String, Node)]> {
    map.iter().find_map(|(k, v)| match v {
        Node::Map(inner) if k == key => Some(inner.as_slice()),
        _ => None,
    })
}
