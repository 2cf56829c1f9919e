//! Where the sealing keys come from: config, or a key file made once in the data dir.

use crate::config::Settings;
use anyhow::{Context, bail};
use omnify_core::Secret;
use omnify_store::secret_box::SecretBox;

const KEY_FILE: &str = "secret.key";

/// Parse `id:base64,id:base64`.
pub fn parse_keys(spec: &str) -> anyhow::Result<Vec<(String, Secret)>> {
    spec.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|entry| {
            let Some((id, key)) = entry.split_once(':') else {
                bail!("each secrets.keys entry must be `id:base64key`");
            };
            Ok((id.trim().to_string(), Secret::new(key.trim())))
        })
        .collect()
}

pub fn secret_box(settings: &Settings) -> anyhow::Result<SecretBox> {
    let keys = if settings.secrets.keys.is_empty() {
        vec![("local".to_string(), local_key(settings)?)]
    } else {
        parse_keys(settings.secrets.keys.expose())?
    };
    SecretBox::new(&keys).context("secrets.keys")
}

/// The key in `<data_dir>/secret.key`, created (readable by this user only) if absent.
fn local_key(settings: &Settings) -> anyhow::Result<Secret> {
    let path = settings.data_dir.join(KEY_FILE);
    if let Ok(existing) = std::fs::read_to_string(&path) {
        return Ok(Secret::new(existing.trim()));
    }
    let key = SecretBox::generate_key()?;
    std::fs::create_dir_all(&settings.data_dir)?;
    write_private(&path, key.expose())
        .with_context(|| format!("cannot write {}", path.display()))?;
    tracing::warn!(path = %path.display(), "generated a local encryption key for credentials; set secrets.keys to share one across machines");
    Ok(key)
}

#[cfg(unix)]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)?;
    f.write_all(contents.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &std::path::Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_parse_in_order() {
        let keys = parse_keys("k2:AAAA, k1:BBBB").unwrap();
        assert_eq!(
            keys.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
            ["k2", "k1"]
        );
        assert!(parse_keys("nocolon").is_err());
    }

    #[test]
    fn a_local_key_is_made_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings {
            data_dir: dir.path().to_path_buf(),
            ..Settings::default()
        };
        let sealed = secret_box(&settings)
            .unwrap()
            .seal(&Secret::new("x"), "c")
            .unwrap();
        assert_eq!(
            secret_box(&settings)
                .unwrap()
                .open(&sealed, "c")
                .unwrap()
                .expose(),
            "x"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join(KEY_FILE))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
