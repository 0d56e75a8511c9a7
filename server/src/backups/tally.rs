//! The tables and row counts of a dump, tallied from the dump tool's output as it streams to
//! disk. These are the source's figures in the dump's own snapshot (pg_dump's exported
//! snapshot, mariadb-dump's `--single-transaction`), exact and free: no second connection
//! to the live database, no race with writes made while the dump ran. A verification later
//! compares them with what a restore of the file actually holds.
//!
//! - PostgreSQL (plain format, `--quote-all-identifiers`): every table's data is a
//!   `COPY "schema"."table" (…) FROM stdin;` block, one line per row, ended by `\.`; empty
//!   tables have an empty block.
//! - MariaDB/MySQL: `CREATE TABLE \`t\`` for each table (views first appear as commented
//!   `/*!50001 CREATE TABLE` stand-ins, which are not tables), rows in `INSERT INTO \`t\`
//!   VALUES (…),(…);` lines, one statement per line.

use std::collections::BTreeMap;

use bosun_frontend::model::DbEngine;

/// Lines longer than this are only needed for their start (statements) or their tuples.
const KEEP: usize = 4096;

/// Table (`schema.table` or `database.table`) → rows.
pub type Figures = BTreeMap<String, u64>;

pub struct Tally {
    engine: DbEngine,
    /// MariaDB: the database the statements are in (`USE`), from the request until one is seen.
    database: String,
    tables: Figures,
    /// The current line's start, up to KEEP bytes.
    line: Vec<u8>,
    state: State,
}

enum State {
    Outside,
    /// Inside a PostgreSQL COPY block of this table, with its rows so far.
    Copy(String, u64),
    /// Inside a MySQL INSERT line of this table, past `VALUES `.
    Insert {
        table: String,
        scan: Scan,
    },
}

/// Tuple counting through one INSERT statement.
#[derive(Default)]
struct Scan {
    rows: u64,
    depth: u32,
    quote: Option<u8>,
    escaped: bool,
}

impl Tally {
    pub fn new(engine: DbEngine, database: &str) -> Self {
        Tally {
            engine,
            database: database.to_owned(),
            tables: Figures::new(),
            line: Vec::new(),
            state: State::Outside,
        }
    }

    pub fn push(&mut self, chunk: &[u8]) {
        let mut rest = chunk;
        while !rest.is_empty() {
            if let State::Insert { table, scan } = &mut self.state {
                // Byte by byte through the tuples (on one line, or one per line as newer
                // dump tools write them), to the statement's `;`.
                let mut consumed = rest.len();
                let mut ended = false;
                for (i, &b) in rest.iter().enumerate() {
                    if scan.step(b) {
                        consumed = i + 1;
                        ended = true;
                        break;
                    }
                }
                rest = &rest[consumed..];
                if ended {
                    *self.tables.entry(table.clone()).or_default() += scan.rows;
                    self.state = State::Outside;
                    self.line.clear();
                }
                continue;
            }
            let (piece, newline) = match memchr::memchr(b'\n', rest) {
                Some(i) => (&rest[..i], true),
                None => (rest, false),
            };
            let before = self.line.len();
            self.keep(piece);
            // A MySQL INSERT line may be megabytes long: once its `VALUES ` is seen, its
            // tuples are scanned straight from the input instead of being kept.
            if self.engine != DbEngine::Postgres
                && matches!(self.state, State::Outside)
                && let Some((table, after)) = insert_target(&self.line)
            {
                let key = format!("{}.{table}", self.database);
                self.tables.entry(key.clone()).or_default();
                self.line.clear();
                self.state = State::Insert {
                    table: key,
                    scan: Scan::default(),
                };
                rest = &rest[after.saturating_sub(before).min(rest.len())..];
                continue;
            }
            if newline {
                rest = &rest[piece.len() + 1..];
                let line = std::mem::take(&mut self.line);
                self.line_ended(&line);
            } else {
                rest = &[];
            }
        }
    }

    fn keep(&mut self, bytes: &[u8]) {
        let room = KEEP.saturating_sub(self.line.len());
        self.line.extend_from_slice(&bytes[..room.min(bytes.len())]);
    }

    fn line_ended(&mut self, line: &[u8]) {
        match (&self.state, self.engine) {
            (State::Copy(table, rows), _) if line == b"\\." => {
                *self.tables.entry(table.clone()).or_default() += rows;
                self.state = State::Outside;
            }
            (State::Copy(_, rows), _) => {
                let rows = rows + 1;
                if let State::Copy(_, r) = &mut self.state {
                    *r = rows;
                }
            }
            (State::Outside, DbEngine::Postgres) => {
                if let Some(table) = copy_target(line) {
                    self.tables.entry(table.clone()).or_default();
                    self.state = State::Copy(table, 0);
                }
            }
            (State::Outside, _) => {
                if let Some(db) = line
                    .strip_prefix(b"USE ")
                    .and_then(|r| backquoted(r).map(|(name, _)| name))
                {
                    self.database = db;
                } else if let Some(table) = line
                    .strip_prefix(b"CREATE TABLE ")
                    .and_then(|r| backquoted(r).map(|(name, _)| name))
                {
                    self.tables
                        .entry(format!("{}.{table}", self.database))
                        .or_default();
                }
            }
            (State::Insert { .. }, _) => {}
        }
    }

    /// The figures, once the whole dump went through.
    pub fn finish(self) -> Figures {
        self.tables
    }
}

impl Scan {
    /// Takes one byte, counting the rows it opens; true at the statement's end.
    fn step(&mut self, b: u8) -> bool {
        if let Some(q) = self.quote {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == q {
                self.quote = None;
            }
            return false;
        }
        match b {
            b'\'' | b'"' => self.quote = Some(b),
            b'(' => {
                self.depth += 1;
                if self.depth == 1 {
                    self.rows += 1;
                }
            }
            b')' => self.depth = self.depth.saturating_sub(1),
            b';' if self.depth == 0 => return true,
            _ => {}
        }
        false
    }
}

/// `"schema"."table"` of a `COPY … FROM stdin;` line, unquoted, as `schema.table`.
fn copy_target(line: &[u8]) -> Option<String> {
    let rest = line.strip_prefix(b"COPY ")?;
    if !line.ends_with(b" FROM stdin;") {
        return None;
    }
    let (schema, rest) = double_quoted(rest)?;
    let rest = rest.strip_prefix(b".")?;
    let (table, _) = double_quoted(rest)?;
    Some(format!("{schema}.{table}"))
}

/// A `"…"` identifier (`""` inside is one quote) and what follows it.
fn double_quoted(s: &[u8]) -> Option<(String, &[u8])> {
    let mut rest = s.strip_prefix(b"\"")?;
    let mut name = Vec::new();
    loop {
        let i = memchr::memchr(b'"', rest)?;
        name.extend_from_slice(&rest[..i]);
        if rest.get(i + 1) == Some(&b'"') {
            name.push(b'"');
            rest = &rest[i + 2..];
        } else {
            return Some((String::from_utf8_lossy(&name).into_owned(), &rest[i + 1..]));
        }
    }
}

/// A `` `…` `` identifier (``` `` ``` inside is one backquote) and what follows it.
fn backquoted(s: &[u8]) -> Option<(String, &[u8])> {
    let mut rest = s.strip_prefix(b"`")?;
    let mut name = Vec::new();
    loop {
        let i = memchr::memchr(b'`', rest)?;
        name.extend_from_slice(&rest[..i]);
        if rest.get(i + 1) == Some(&b'`') {
            name.push(b'`');
            rest = &rest[i + 2..];
        } else {
            return Some((String::from_utf8_lossy(&name).into_owned(), &rest[i + 1..]));
        }
    }
}

/// The table of an `INSERT INTO \`t\` VALUES` start, and where its tuples begin.
fn insert_target(line: &[u8]) -> Option<(String, usize)> {
    let rest = line.strip_prefix(b"INSERT INTO ")?;
    let (table, after) = backquoted(rest)?;
    let after_values = after.strip_prefix(b" VALUES")?;
    Some((table, line.len() - after_values.len()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(engine: DbEngine, dump: &[u8], chunk: usize) -> Figures {
        let mut t = Tally::new(engine, "shop");
        for piece in dump.chunks(chunk) {
            t.push(piece);
        }
        t.finish()
    }

    const PG: &[u8] = b"--\n-- PostgreSQL database dump\n--\nCREATE TABLE \"public\".\"items\" (\n    \"id\" integer\n);\nCOPY \"public\".\"items\" (\"id\", \"name\") FROM stdin;\n1\tone\n2\ttwo\\nlines\n3\t\\.x\n\\.\n\nCOPY \"app\".\"we\"\"ird\" (\"id\") FROM stdin;\n\\.\n\n-- PostgreSQL database dump complete\n";

    #[test]
    fn postgres_rows_are_the_lines_of_each_copy_block_in_any_chunking() {
        for chunk in [1, 2, 7, 64, PG.len()] {
            let f = tally(DbEngine::Postgres, PG, chunk);
            assert_eq!(f.get("public.items"), Some(&3), "chunk {chunk}");
            assert_eq!(f.get("app.we\"ird"), Some(&0), "chunk {chunk}");
            assert_eq!(f.len(), 2);
        }
    }

    const MY: &[u8] = b"-- MariaDB dump 10.19\nCREATE DATABASE /*!32312 IF NOT EXISTS*/ `shop`;\nUSE `shop`;\nCREATE TABLE `items` (\n  `id` int\n);\nINSERT INTO `items` VALUES (1,'a (b), c'),(2,'it\\'s ),( tricky'),(3,0x2829);\nINSERT INTO `items` VALUES (4,NULL);\nCREATE TABLE `empty` (\n  `id` int\n);\n/*!50001 CREATE TABLE `a_view` (\n  `id` tinyint NOT NULL\n) ENGINE=MyISAM */;\n-- Dump completed on 2026-12-04\n";

    #[test]
    fn mariadb_rows_are_the_tuples_of_each_insert_and_views_are_not_tables() {
        for chunk in [1, 3, 16, MY.len()] {
            let f = tally(DbEngine::Mariadb, MY, chunk);
            assert_eq!(f.get("shop.items"), Some(&4), "chunk {chunk}: {f:?}");
            assert_eq!(f.get("shop.empty"), Some(&0), "chunk {chunk}");
            assert_eq!(f.len(), 2, "{f:?}");
        }
    }

    #[test]
    fn rows_one_per_line_as_mariadb_10_11_writes_them_are_counted() {
        let dump = b"USE `shop`;\nCREATE TABLE `items` (\n  `id` int\n);\nLOCK TABLES `items` WRITE;\nINSERT INTO `items` VALUES\n(1,'a;b'),\n(2,'c\\n(d)'),\n(3,NULL);\nUNLOCK TABLES;\nINSERT INTO `items` VALUES (4,'x');\n";
        for chunk in [1, 5, dump.len()] {
            let f = tally(DbEngine::Mariadb, dump, chunk);
            assert_eq!(f.get("shop.items"), Some(&4), "chunk {chunk}: {f:?}");
            assert_eq!(f.len(), 1);
        }
    }

    #[test]
    fn a_long_insert_line_is_scanned_without_being_kept() {
        let mut dump = b"USE `shop`;\nINSERT INTO `big` VALUES ".to_vec();
        for i in 0..10_000 {
            if i > 0 {
                dump.push(b',');
            }
            dump.extend_from_slice(format!("({i},'{}')", "x".repeat(50)).as_bytes());
        }
        dump.extend_from_slice(b";\n");
        let f = tally(DbEngine::Mariadb, &dump, 8192);
        assert_eq!(f.get("shop.big"), Some(&10_000));
    }
}
