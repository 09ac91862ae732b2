//! A small hand-written argument parser: `--name VALUE`, `--name=VALUE`, flags, positionals.
//! (No clap: the CLI has a handful of options and should build fast.)

use std::collections::VecDeque;

/// Parsed arguments of one subcommand.
#[derive(Debug, Default)]
pub(crate) struct Args {
    pub(crate) positionals: Vec<String>,
    pub(crate) options: Vec<(String, String)>,
    pub(crate) flags: Vec<String>,
}

impl Args {
    /// Parses `raw`: names in `with_value` take a value, names in `flags` do not; anything else
    /// starting with `--` is an error.
    pub(crate) fn parse(
        raw: impl IntoIterator<Item = String>,
        with_value: &[&str],
        flags: &[&str],
    ) -> Result<Args, String> {
        let mut out = Args::default();
        let mut queue: VecDeque<String> = raw.into_iter().collect();
        while let Some(arg) = queue.pop_front() {
            if arg == "--" {
                out.positionals.extend(queue.drain(..));
                break;
            }
            if let Some(name) = arg.strip_prefix("--") {
                let (name, inline) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), Some(v.to_string())),
                    None => (name.to_string(), None),
                };
                if with_value.contains(&name.as_str()) {
                    let value = match inline {
                        Some(v) => v,
                        None => queue
                            .pop_front()
                            .ok_or_else(|| format!("--{name} needs a value"))?,
                    };
                    out.options.push((name, value));
                } else if flags.contains(&name.as_str()) {
                    if inline.is_some() {
                        return Err(format!("--{name} takes no value"));
                    }
                    out.flags.push(name);
                } else {
                    return Err(format!("unknown option --{name}"));
                }
            } else {
                out.positionals.push(arg);
            }
        }
        Ok(out)
    }

    /// The last value given for `--name`.
    pub(crate) fn value(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_values_flags_and_positionals() {
        let a = Args::parse(
            [
                "f",
                "--region",
                "eu-west-1",
                "--fips",
                "--qualifier=3",
                "--",
                "--x",
            ]
            .map(String::from),
            &["region", "qualifier"],
            &["fips"],
        )
        .unwrap();
        assert_eq!(a.positionals, ["f", "--x"]);
        assert_eq!(a.value("region"), Some("eu-west-1"));
        assert_eq!(a.value("qualifier"), Some("3"));
        assert!(a.flag("fips"));
        assert!(Args::parse(["--nope".to_string()], &[], &[]).is_err());
        assert!(Args::parse(["--region".to_string()], &["region"], &[]).is_err());
    }
}
