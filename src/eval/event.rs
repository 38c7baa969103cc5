//! Events as the evaluator sees them: JSON objects with nested fields, Windows events rendered
//! as JSON (SigmaHQ's regression data), or raw text lines.

use serde_json::Value;

/// One event under test.
#[derive(Debug, Clone)]
pub enum Event {
    /// Fields by the rule's own names; `a.b.c` reaches into nested objects.
    Json(Value),
    /// A Windows event rendered as JSON (`Event.EventData`, `Event.System`): fields are looked
    /// up in EventData, then System; `Provider_Name` reads the `Name` attribute of `Provider`.
    /// Some providers name their data with spaces (Windows Defender's `Threat Name`, `Source
    /// Name`); Sigma names them without (`ThreatName`), so a name not found as written is
    /// matched against the data names with their spaces dropped.
    WindowsXml(Value),
    /// A raw log line: only keyword searches can match it.
    Raw(String),
}

/// What a field lookup found.
#[derive(Debug, Clone, PartialEq)]
pub enum Lookup<'a> {
    /// The field is not in the event.
    Absent,
    /// The field is present; each value is tested (arrays: any element), `null` included.
    Values(Vec<&'a Value>),
}

impl Event {
    pub fn lookup(&self, field: &str) -> Lookup<'_> {
        match self {
            Event::Json(root) => lookup_path(root, field),
            Event::WindowsXml(root) => {
                let event = root.get("Event").unwrap_or(root);
                if let Some(data) = event.get("EventData") {
                    let found = lookup_data(data, field);
                    if found != Lookup::Absent {
                        return found;
                    }
                }
                // UserData wraps its fields in one provider-specific element.
                if let Some(Value::Object(user_data)) = event.get("UserData") {
                    for wrapper in user_data.values() {
                        let found = lookup_data(wrapper, field);
                        if found != Lookup::Absent {
                            return found;
                        }
                    }
                }
                if let Some(system) = event.get("System") {
                    let found = lookup_path(system, field);
                    if found != Lookup::Absent {
                        return found;
                    }
                }
                // `Provider_Name` → System.Provider["#attributes"].Name (Sigma's naming rule).
                if let (Some(system), Some((tag, attribute))) =
                    (event.get("System"), field.split_once('_'))
                    && let Some(value) = system
                        .get(tag)
                        .and_then(|t| t.get("#attributes"))
                        .and_then(|a| a.get(attribute))
                {
                    return Lookup::Values(flatten(value));
                }
                Lookup::Absent
            }
            Event::Raw(_) => Lookup::Absent,
        }
    }

    /// Every scalar value of the event as text, for keyword searches (the raw line for raw events).
    pub fn all_text(&self) -> Vec<String> {
        match self {
            Event::Raw(line) => vec![line.clone()],
            Event::Json(root) | Event::WindowsXml(root) => {
                let mut out = Vec::new();
                let mut stack = vec![root];
                while let Some(value) = stack.pop() {
                    match value {
                        Value::Object(map) => stack.extend(map.values()),
                        Value::Array(items) => stack.extend(items.iter()),
                        Value::Null => {}
                        other => out.push(scalar_text(other)),
                    }
                }
                out
            }
        }
    }
}

/// An event data field: by its name as written, else the one data name that reads as `field`
/// once its spaces are dropped (`Threat Name` for `ThreatName`).
fn lookup_data<'a>(data: &'a Value, field: &str) -> Lookup<'a> {
    let found = lookup_path(data, field);
    if found != Lookup::Absent || field.contains(' ') {
        return found;
    }
    let Value::Object(map) = data else {
        return found;
    };
    let mut spaced = map
        .iter()
        .filter(|(name, _)| name.contains(' ') && name.replace(' ', "") == field);
    match (spaced.next(), spaced.next()) {
        (Some((_, value)), None) => Lookup::Values(flatten(value)),
        _ => Lookup::Absent,
    }
}

fn lookup_path<'a>(root: &'a Value, field: &str) -> Lookup<'a> {
    // A key with dots in it wins over a path (flattened exports use such keys).
    if let Some(value) = root.get(field) {
        return Lookup::Values(flatten(value));
    }
    let mut current = vec![root];
    for segment in field.split('.') {
        let mut next = Vec::new();
        for value in current {
            match value {
                Value::Object(map) => next.extend(map.get(segment)),
                Value::Array(items) => {
                    next.extend(items.iter().filter_map(|item| item.get(segment)))
                }
                _ => {}
            }
        }
        if next.is_empty() {
            return Lookup::Absent;
        }
        current = next;
    }
    Lookup::Values(current.into_iter().flat_map(flatten).collect())
}

/// A value, or the elements of an array (any element may match).
fn flatten(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().flat_map(flatten).collect(),
        other => vec![other],
    }
}

/// The text of a scalar as a string comparison sees it.
pub fn scalar_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn nested_paths_arrays_and_dotted_keys() {
        let event = Event::Json(json!({"a": {"b": [{"c": 1}, {"c": 2}]}, "x.y": "dotted"}));
        assert_eq!(
            event.lookup("a.b.c"),
            Lookup::Values(vec![&json!(1), &json!(2)])
        );
        assert_eq!(event.lookup("x.y"), Lookup::Values(vec![&json!("dotted")]));
        assert_eq!(event.lookup("a.z"), Lookup::Absent);
    }

    #[test]
    fn windows_defender_data_names_match_without_their_spaces() {
        let event = Event::WindowsXml(json!({"Event": {
            "System": {"EventID": 1116},
            "EventData": {
                "Threat Name": "HackTool:Win32/Mimikatz",
                "Source Name": "Real-Time Protection",
                "Process Name": "C:\\Windows\\explorer.exe",
                "Path": "file:_C:\\m.exe"
            }
        }}));
        assert_eq!(
            event.lookup("SourceName"),
            Lookup::Values(vec![&json!("Real-Time Protection")])
        );
        assert_eq!(
            event.lookup("ThreatName"),
            Lookup::Values(vec![&json!("HackTool:Win32/Mimikatz")])
        );
        assert_eq!(
            event.lookup("Process Name"),
            Lookup::Values(vec![&json!("C:\\Windows\\explorer.exe")])
        );
        assert_eq!(
            event.lookup("Path"),
            Lookup::Values(vec![&json!("file:_C:\\m.exe")])
        );
        // Case still counts, and a name is not matched by a part of it.
        assert_eq!(event.lookup("sourcename"), Lookup::Absent);
        assert_eq!(event.lookup("Source"), Lookup::Absent);
        assert_eq!(event.lookup("SourceNameX"), Lookup::Absent);
    }

    #[test]
    fn windows_events_use_event_data_then_system() {
        let event = Event::WindowsXml(json!({"Event": {
            "System": {"EventID": 4688, "Provider": {"#attributes": {"Name": "Security"}}},
            "EventData": {"NewProcessName": "C:\\x.exe"}
        }}));
        assert_eq!(event.lookup("EventID"), Lookup::Values(vec![&json!(4688)]));
        assert_eq!(
            event.lookup("NewProcessName"),
            Lookup::Values(vec![&json!("C:\\x.exe")])
        );
        assert_eq!(
            event.lookup("Provider_Name"),
            Lookup::Values(vec![&json!("Security")])
        );
    }
}
