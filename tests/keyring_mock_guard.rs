#![allow(clippy::expect_used, clippy::unwrap_used)]
//! Guards against shipping a console whose API keys go to an in-memory
//! credential store instead of the OS keyring.
//!
//! `keyring_core` 1.1 always compiles its in-memory `mock` store, and its
//! `sample` feature adds an insecure sample store that can persist to a plain
//! file. Either one is selected only by a call to
//! `keyring_core::set_default_store`, and `keyring`'s `cli` feature pulls in
//! `keyring-core/sample` and every store. So these tests check two things:
//! the release dependency graph enables neither `sample` nor `cli`, and no
//! source file under `src/` names `keyring_core` or selects a store.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Features that must never be enabled in a release build.
const FORBIDDEN_FEATURES: [(&str, &str); 2] = [("keyring-core", "sample"), ("keyring", "cli")];

/// Text that must not appear in the console's source.
const FORBIDDEN_SOURCE: [&str; 5] = [
    "keyring_core",
    "set_default_store",
    "mock::Store",
    "sample::Store",
    "MockCredential",
];

/// Returns each package in the release dependency graph of the console with
/// its enabled features, from `cargo tree`. Dev-dependencies are left out, so
/// the features are the ones a `cargo build --release` resolves.
fn release_features() -> Vec<(String, Vec<String>)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let output = Command::new(&cargo)
        .args([
            "tree",
            "--offline",
            "--locked",
            "--package",
            "mfa-console",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
            "--format",
            "{p} [{f}]",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|error| panic!("could not run {cargo} tree: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .filter_map(|line| {
            let (package, rest) = line.split_once(" [")?;
            let features = rest.split_once(']')?.0;
            let name = package.split_whitespace().next()?.to_owned();
            let features = features
                .split(',')
                .filter(|feature| !feature.is_empty())
                .map(str::to_owned)
                .collect();
            Some((name, features))
        })
        .collect()
}

#[test]
fn release_graph_enables_no_mock_store() {
    let packages = release_features();
    let keyring = packages
        .iter()
        .find(|(name, _)| name == "keyring")
        .expect("keyring is in the release graph, so the check reads real data");
    assert!(
        keyring.1.iter().any(|feature| feature == "v1"),
        "keyring picks the platform store through its v1 feature: {:?}",
        keyring.1
    );
    assert!(
        packages.iter().any(|(name, _)| name == "keyring-core"),
        "keyring-core is in the release graph"
    );
    for (package, feature) in FORBIDDEN_FEATURES {
        for (name, features) in &packages {
            assert!(
                !(name == package && features.iter().any(|enabled| enabled == feature)),
                "{package} has the '{feature}' feature in the release graph, which adds a non-OS credential store"
            );
        }
    }
}

fn rust_files(folder: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(folder).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|extension| extension == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn source_never_selects_credential_store() {
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&source, &mut files);
    assert!(
        files.iter().any(|path| path.ends_with("keystore.rs")),
        "the scan reaches src/keystore.rs"
    );
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for forbidden in FORBIDDEN_SOURCE {
            assert!(
                !text.contains(forbidden),
                "{} mentions '{forbidden}'; the console must use keyring's platform store only",
                path.display()
            );
        }
    }
}
