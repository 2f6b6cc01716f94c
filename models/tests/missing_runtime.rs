//! Its own test binary: ONNX Runtime loads once per process, so the missing
//! library is tried in a process that never loaded the real one.

use palisade_models::{Classifier, Error, LoadOptions, ModelConfig};

#[test]
fn a_missing_runtime_library_is_a_clear_error() {
    let config = ModelConfig::from_file(&palisade_models::default_config()).unwrap();
    let err = Classifier::load(config, &LoadOptions::new("/nonexistent/libonnxruntime.so"))
        .err()
        .unwrap();
    assert!(matches!(err, Error::Runtime { .. }), "{err}");
    let message = err.to_string();
    assert!(
        message.contains("/nonexistent/libonnxruntime.so: file not found"),
        "{message}"
    );
    assert!(message.contains("models/setup.sh"), "{message}");
}

#[test]
fn a_library_that_is_not_onnx_runtime_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("libonnxruntime.so");
    std::fs::write(&fake, b"not a shared object").unwrap();
    let config = ModelConfig::from_file(&palisade_models::default_config()).unwrap();
    let err = Classifier::load(config, &LoadOptions::new(&fake))
        .err()
        .unwrap();
    assert!(matches!(err, Error::Runtime { .. }), "{err}");
}
