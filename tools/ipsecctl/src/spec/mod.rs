//! SA specifications in the syntax of iproute2's `ip xfrm state add`.
//!
//! One `--sa` argument is one string; [`tokenize`] splits it like a POSIX
//! shell (single quotes, double quotes with backslash escapes, backslash
//! outside quotes) so `aead 'rfc4106(gcm(aes))' 0x… 128` can be pasted as it
//! is typed after `ip xfrm state add`. [`parse`] turns it into an [`SaSpec`]
//! with typed engine algorithms, or a [`SpecError`] naming the token and the
//! reason. The accepted grammar is documented in `docs/ipsecctl.md`.
//!
//! The parts: `model` (what a specification is), `error`, `lexer` (tokens, numbers, keys),
//! `cursor` (typed readers over the tokens), `parser` (one function per keyword group),
//! `options` (`dir`, `flag`, `extra-flag`, `limit`), `selector` (`sel`) and `algorithms` (the
//! algorithm items and their resolution into the engine's transform).

mod algorithms;
mod cursor;
mod error;
mod lexer;
mod model;
mod options;
mod parser;
mod selector;

pub use error::{SpecError, SpecErrorKind};
pub use lexer::{parse_key, parse_number, tokenize};
pub use model::{
    Direction, Encap, Flags, Limits, Mode, Prefix, SaSpec, Selector, Transform, UpperSpec,
    XfrmProto,
};

/// Parse one SA specification (the arguments of `ip xfrm state add`; a leading
/// `ip xfrm state add` or `update` is skipped so whole command lines can be pasted).
pub fn parse(spec: &str) -> Result<SaSpec, SpecError> {
    let tokens = tokenize(spec)?;
    parse_tokens(&tokens)
}

/// Parse an already tokenized specification.
pub fn parse_tokens(tokens: &[String]) -> Result<SaSpec, SpecError> {
    parser::SaParser::new(tokens).parse()
}
