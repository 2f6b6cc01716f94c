//! The guard model that `models/setup.sh` builds; tests fail (not skip)
//! without it, because the README's test command builds it first.

use std::path::PathBuf;

use palisade_models::{Classifier, LoadOptions, ModelConfig};

pub fn config() -> ModelConfig {
    let path = palisade_models::default_config();
    ModelConfig::from_file(&path).expect("models/guard.toml")
}

pub fn runtime() -> PathBuf {
    let path = palisade_models::default_runtime();
    assert!(
        path.is_file(),
        "{} is missing: run models/setup.sh (the README's test command does)",
        path.display()
    );
    path
}

pub fn classifier(max_batch: usize) -> Classifier {
    let mut options = LoadOptions::new(runtime());
    options.max_batch = max_batch;
    Classifier::load(config(), &options).expect("loading the guard model")
}
