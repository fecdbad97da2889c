//! A reader of Rust v0 symbol names (`_R…`, RFC 2603), the scheme the driver's toolchain uses,
//! printed short for reports: the path without generic arguments, hashes or disambiguators
//! (`<ipsecov2_filter_core::module::Module>::send`, `…::{closure#0}`). Anything it cannot read
//! comes back as `None` (the caller then shows the symbol as it is).

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: u32,
}

type R<T> = Result<T, ()>;

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn next(&mut self) -> R<u8> {
        let c = self.peek().ok_or(())?;
        self.pos += 1;
        Ok(c)
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// `base-62-number`: `_` is 0, otherwise digits then `_`, value + 1.
    fn base62(&mut self) -> R<u64> {
        if self.eat(b'_') {
            return Ok(0);
        }
        let mut x: u64 = 0;
        loop {
            let c = self.next()?;
            let d = match c {
                b'0'..=b'9' => c - b'0',
                b'a'..=b'z' => 10 + c - b'a',
                b'A'..=b'Z' => 36 + c - b'A',
                b'_' => return x.checked_add(1).ok_or(()),
                _ => return Err(()),
            };
            x = x
                .checked_mul(62)
                .and_then(|x| x.checked_add(u64::from(d)))
                .ok_or(())?;
        }
    }

    fn opt_base62(&mut self, tag: u8) -> R<u64> {
        if self.eat(tag) {
            self.base62().map(|x| x + 1)
        } else {
            Ok(0)
        }
    }

    fn decimal(&mut self) -> R<usize> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        core::str::from_utf8(&self.s[start..self.pos])
            .map_err(|_| ())?
            .parse()
            .map_err(|_| ())
    }

    /// `[disambiguator] undisambiguated-identifier`; returns (name, disambiguator).
    fn ident(&mut self) -> R<(String, u64)> {
        let dis = self.opt_base62(b's')?;
        let punycode = self.eat(b'u');
        let len = self.decimal()?;
        self.eat(b'_');
        let bytes = self.s.get(self.pos..self.pos + len).ok_or(())?;
        self.pos += len;
        let mut name = String::from_utf8(bytes.to_vec()).map_err(|_| ())?;
        if punycode {
            name = format!("{name}(punycode)");
        }
        Ok((name, dis))
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > 200 {
            return Err(());
        }
        Ok(())
    }

    fn backref<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        let at = self.pos - 1;
        let target = usize::try_from(self.base62()?).map_err(|_| ())?;
        if target >= at {
            return Err(());
        }
        let saved = self.pos;
        self.pos = target;
        let out = f(self);
        self.pos = saved;
        out
    }

    fn path(&mut self) -> R<String> {
        self.enter()?;
        let out = match self.next()? {
            b'C' => self.ident()?.0,
            b'M' => {
                self.opt_base62(b's')?;
                self.path()?;
                format!("<{}>", self.ty()?)
            }
            b'X' => {
                self.opt_base62(b's')?;
                self.path()?;
                let t = self.ty()?;
                format!("<{t} as {}>", self.path()?)
            }
            b'Y' => {
                let t = self.ty()?;
                format!("<{t} as {}>", self.path()?)
            }
            b'N' => {
                let ns = self.next()?;
                let parent = self.path()?;
                let (name, dis) = self.ident()?;
                match ns {
                    b'C' => format!("{parent}::{{closure#{dis}}}"),
                    b'S' => format!("{parent}::{{shim:{name}#{dis}}}"),
                    b'A'..=b'Z' => format!("{parent}::{{{}:{name}#{dis}}}", ns as char),
                    _ if name.is_empty() => parent,
                    _ => format!("{parent}::{name}"),
                }
            }
            b'I' => {
                let p = self.path()?;
                while !self.eat(b'E') {
                    self.generic_arg()?;
                }
                p
            }
            b'B' => self.backref(Self::path)?,
            _ => return Err(()),
        };
        self.depth -= 1;
        Ok(out)
    }

    fn generic_arg(&mut self) -> R<()> {
        if self.eat(b'L') {
            self.base62()?;
        } else if self.eat(b'K') {
            self.konst()?;
        } else {
            self.ty()?;
        }
        Ok(())
    }

    fn konst(&mut self) -> R<()> {
        match self.peek().ok_or(())? {
            b'p' => {
                self.pos += 1;
            }
            b'B' => {
                self.pos += 1;
                self.backref(Self::konst)?;
            }
            b'a'..=b'z' => {
                self.pos += 1;
                self.eat(b'n');
                while self.peek().is_some_and(|c| c.is_ascii_hexdigit()) {
                    self.pos += 1;
                }
                if !self.eat(b'_') {
                    return Err(());
                }
            }
            _ => return Err(()),
        }
        Ok(())
    }

    fn basic(c: u8) -> Option<&'static str> {
        Some(match c {
            b'a' => "i8",
            b'b' => "bool",
            b'c' => "char",
            b'd' => "f64",
            b'e' => "str",
            b'f' => "f32",
            b'h' => "u8",
            b'i' => "isize",
            b'j' => "usize",
            b'l' => "i32",
            b'm' => "u32",
            b'n' => "i128",
            b'o' => "u128",
            b's' => "i16",
            b't' => "u16",
            b'u' => "()",
            b'v' => "...",
            b'x' => "i64",
            b'y' => "u64",
            b'z' => "!",
            b'p' => "_",
            _ => return None,
        })
    }

    fn ty(&mut self) -> R<String> {
        self.enter()?;
        let c = self.peek().ok_or(())?;
        let out = if let Some(b) = Self::basic(c) {
            self.pos += 1;
            b.to_owned()
        } else {
            match c {
                b'A' => {
                    self.pos += 1;
                    let t = self.ty()?;
                    self.konst()?;
                    format!("[{t}; _]")
                }
                b'S' => {
                    self.pos += 1;
                    format!("[{}]", self.ty()?)
                }
                b'R' | b'Q' => {
                    self.pos += 1;
                    if self.eat(b'L') {
                        self.base62()?;
                    }
                    let m = if c == b'Q' { "mut " } else { "" };
                    format!("&{m}{}", self.ty()?)
                }
                b'P' | b'O' => {
                    self.pos += 1;
                    let m = if c == b'O' { "mut" } else { "const" };
                    format!("*{m} {}", self.ty()?)
                }
                b'F' => {
                    self.pos += 1;
                    self.opt_base62(b'G')?;
                    self.eat(b'U');
                    if self.eat(b'K') && !self.eat(b'C') {
                        self.ident()?;
                    }
                    while !self.eat(b'E') {
                        self.ty()?;
                    }
                    self.ty()?;
                    "fn(..)".to_owned()
                }
                b'D' => {
                    self.pos += 1;
                    self.opt_base62(b'G')?;
                    let mut traits = Vec::new();
                    while !self.eat(b'E') {
                        traits.push(self.path()?);
                        while self.eat(b'p') {
                            self.ident()?;
                            self.ty()?;
                        }
                    }
                    if !self.eat(b'L') {
                        return Err(());
                    }
                    self.base62()?;
                    format!("dyn {}", traits.join(" + "))
                }
                b'T' => {
                    self.pos += 1;
                    let mut items = Vec::new();
                    while !self.eat(b'E') {
                        items.push(self.ty()?);
                    }
                    format!("({})", items.join(", "))
                }
                b'B' => {
                    self.pos += 1;
                    self.backref(Self::ty)?
                }
                _ => self.path()?,
            }
        };
        self.depth -= 1;
        Ok(out)
    }
}

/// The short form of a v0 symbol, `None` if `symbol` is not one this reader understands.
pub fn demangle_v0(symbol: &str) -> Option<String> {
    let body = symbol.strip_prefix("_R")?;
    // A vendor suffix (`.llvm.123`) is not part of the grammar.
    let body = body.split('.').next()?;
    let s = body.as_bytes();
    let mut p = Parser {
        s,
        pos: 0,
        depth: 0,
    };
    // Optional encoding version (decimal).
    if p.peek().is_some_and(|c| c.is_ascii_digit()) {
        return None;
    }
    p.path().ok()
}
