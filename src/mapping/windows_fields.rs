//! The event data fields of Windows events (`mappings/windows-event-fields.tsv`: provider,
//! channel, event id, field, Windows type), embedded in the binary. The map stage reads a
//! Security event's field from its EventData XML only when the Security-Auditing provider
//! has a field of that name, so a misspelled field is still refused.

use std::collections::HashSet;
use std::sync::OnceLock;

const TABLE: &str = include_str!("../../mappings/windows-event-fields.tsv");

/// The provider of the Windows Security log.
pub const SECURITY_AUDITING: &str = "Microsoft-Windows-Security-Auditing";

/// One field of one event.
#[derive(Debug, Clone, Copy)]
pub struct EventField {
    pub provider: &'static str,
    pub channel: &'static str,
    pub event_id: u32,
    pub name: &'static str,
    pub windows_type: &'static str,
}

/// Every field of every event, in file order.
pub fn all() -> &'static [EventField] {
    static FIELDS: OnceLock<Vec<EventField>> = OnceLock::new();
    FIELDS.get_or_init(|| {
        TABLE
            .lines()
            .filter(|line| !line.starts_with('#') && !line.is_empty())
            .filter_map(|line| {
                let mut columns = line.split('\t');
                Some(EventField {
                    provider: columns.next()?,
                    channel: columns.next()?,
                    event_id: columns.next()?.parse().ok()?,
                    name: columns.next()?,
                    windows_type: columns.next()?,
                })
            })
            .collect()
    })
}

/// Whether some event of `provider` has a field named `name` (exact case, as in the XML).
pub fn provider_has(provider: &str, name: &str) -> bool {
    static SECURITY: OnceLock<HashSet<&'static str>> = OnceLock::new();
    if provider == SECURITY_AUDITING {
        let names = SECURITY.get_or_init(|| {
            all()
                .iter()
                .filter(|f| f.provider == SECURITY_AUDITING)
                .map(|f| f.name)
                .collect()
        });
        return names.contains(name);
    }
    all()
        .iter()
        .any(|f| f.provider == provider && f.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_loads_both_providers() {
        assert!(all().len() > 3000);
        assert!(provider_has(SECURITY_AUDITING, "TicketOptions"));
        assert!(provider_has(SECURITY_AUDITING, "AttributeLDAPDisplayName"));
        assert!(!provider_has(SECURITY_AUDITING, "TicketOptionz"));
        assert!(provider_has("Microsoft-Windows-Sysmon", "RuleName"));
        let hex = all()
            .iter()
            .find(|f| {
                f.provider == SECURITY_AUDITING && f.event_id == 4769 && f.name == "TicketOptions"
            })
            .unwrap();
        assert_eq!(hex.windows_type, "HexInt32");
    }
}
