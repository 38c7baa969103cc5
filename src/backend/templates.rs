use crate::diagnostic::Diagnostic;
use crate::mapping::Target;
use std::path::{Path, PathBuf};

const KQL_QUERY: &str = include_str!("../../templates/kql/query.jinja");
const SPL_QUERY: &str = include_str!("../../templates/spl/query.jinja");
const SPL_TSTATS: &str = include_str!("../../templates/spl/tstats.jinja");
const SENTINEL_YAML: &str = include_str!("../../templates/export/sentinel.yaml.jinja");
const SENTINEL_ARM: &str = include_str!("../../templates/export/sentinel-arm.json.jinja");
const SAVEDSEARCHES_CONF: &str = include_str!("../../templates/export/savedsearches.conf.jinja");

/// Every template siemc renders: the query skeletons of the backends and the file layouts of
/// `siemc export`. Embedded ones, or a user's directory laid out the same way
/// (`<dir>/kql/query.jinja`, `<dir>/spl/query.jinja`, `<dir>/export/sentinel.yaml.jinja`, ...;
/// a missing file falls back to the embedded one).
pub struct Templates {
    env: minijinja::Environment<'static>,
}

impl Templates {
    pub fn embedded() -> Templates {
        Templates::build(None).expect("embedded templates are valid")
    }

    pub fn from_dir(dir: &Path) -> Result<Templates, Diagnostic> {
        if !dir.is_dir() {
            return Err(Diagnostic::error(
                "io-error",
                format!("{}: templates directory not found", dir.display()),
            ));
        }
        Templates::build(Some(dir))
    }

    fn build(dir: Option<&Path>) -> Result<Templates, Diagnostic> {
        let mut env = minijinja::Environment::new();
        // Queries are not HTML: never escape.
        env.set_auto_escape_callback(|_| minijinja::AutoEscape::None);
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        // Export templates write YAML, JSON and conf values; the encoders live with export.
        crate::export::format::register_filters(&mut env);
        for (name, embedded) in [
            ("kql/query.jinja", KQL_QUERY),
            ("spl/query.jinja", SPL_QUERY),
            ("spl/tstats.jinja", SPL_TSTATS),
            ("export/sentinel.yaml.jinja", SENTINEL_YAML),
            ("export/sentinel-arm.json.jinja", SENTINEL_ARM),
            ("export/savedsearches.conf.jinja", SAVEDSEARCHES_CONF),
        ] {
            let user: Option<(PathBuf, String)> = dir.and_then(|d| {
                let path = d.join(name);
                std::fs::read_to_string(&path).ok().map(|text| (path, text))
            });
            let (source, origin) = match user {
                Some((path, text)) => (text, path.display().to_string()),
                None => (embedded.to_string(), format!("<built-in>/templates/{name}")),
            };
            env.add_template_owned(name, source).map_err(|error| {
                Diagnostic::error("invalid-template", format!("{origin}: {error}"))
            })?;
        }
        Ok(Templates { env })
    }

    /// Renders the query skeleton of a target.
    pub fn render(&self, target: Target, context: minijinja::Value) -> Result<String, Diagnostic> {
        let name = format!("{}/query.jinja", target.name());
        let template = self
            .env
            .get_template(&name)
            .map_err(|e| Diagnostic::error("invalid-template", e.to_string()))?;
        let text = template
            .render(context)
            .map_err(|e| Diagnostic::error("invalid-template", format!("{name}: {e}")))?;
        Ok(text.trim_end().to_string())
    }

    /// Renders a whole-file template by name (e.g. `export/sentinel.yaml.jinja`).
    pub fn render_file(&self, name: &str, context: minijinja::Value) -> Result<String, Diagnostic> {
        let template = self
            .env
            .get_template(name)
            .map_err(|e| Diagnostic::error("invalid-template", e.to_string()))?;
        template
            .render(context)
            .map_err(|e| Diagnostic::error("invalid-template", format!("{name}: {e}")))
    }
}
