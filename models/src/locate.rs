//! Where the guard model and the runtime library are found by default.

use std::path::PathBuf;

/// The folder `models/setup.sh` fills, as seen from this source tree.
fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `$PALISADE_MODEL_CONFIG`, else this checkout's `models/guard.toml`.
pub fn default_config() -> PathBuf {
    std::env::var_os("PALISADE_MODEL_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|| models_dir().join("guard.toml"))
}

/// `$PALISADE_ORT_LIB`, else the library `models/setup.sh` extracted.
pub fn default_runtime() -> PathBuf {
    std::env::var_os("PALISADE_ORT_LIB")
        .map(PathBuf::from)
        .unwrap_or_else(|| models_dir().join("dist").join("libonnxruntime.so"))
}
