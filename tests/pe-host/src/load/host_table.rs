//! The host functions an image's imports are bound to, by (module, name).

use std::collections::HashMap;

/// Host functions by module (case-insensitive, as Windows resolves module names) and name.
#[derive(Debug, Default, Clone)]
pub struct HostTable {
    functions: HashMap<(String, String), usize>,
}

impl HostTable {
    /// An empty table.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `address` (an `extern "win64"` function) as `module!name`.
    pub fn add(&mut self, module: &str, name: &str, address: usize) -> &mut Self {
        self.functions
            .insert((module.to_ascii_lowercase(), name.to_owned()), address);
        self
    }

    /// The host function for `module!name`.
    pub fn get(&self, module: &str, name: &str) -> Option<usize> {
        self.functions
            .get(&(module.to_ascii_lowercase(), name.to_owned()))
            .copied()
    }

    /// Number of bound routines.
    pub fn len(&self) -> usize {
        self.functions.len()
    }

    /// Whether no routine is bound.
    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}
