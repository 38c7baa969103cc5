//! `siemc schema`: prints the JSON Schema of the rule format (see [`crate::schema`]).

use super::exit;
use std::io::Write;

pub fn run() -> u8 {
    match std::io::stdout()
        .lock()
        .write_all(crate::schema::RULE_SCHEMA.as_bytes())
    {
        Ok(()) => exit::OK,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => exit::OK,
        Err(error) => {
            eprintln!("error: cannot write the schema: {error}");
            exit::USAGE
        }
    }
}
