//! The literal prefilter: every literal that starts a pattern match (or is a
//! deny-list keyword), found in one pass per automaton.
//!
//! Case-sensitive literals (`AKIA`, `eyJ`, `ghp_`) and case-insensitive ones
//! (`password`, `https://`) are kept apart: folding everything would turn
//! `AKIA` into "any word starting with a", which defeats the SIMD (Teddy)
//! prefilter. A few case-insensitive literals are spelled out in every case
//! in a second exact automaton, which keeps Teddy; many go to a third,
//! ASCII case-insensitive automaton. Each automaton runs leftmost-first,
//! restarting one byte after each hit, so every position where a literal
//! starts is reported once. Literals are ordered shortest first, so the
//! automaton reports the shortest literal at a position; the longer literals
//! that extend it are then checked directly.
//!
//! Literals that hold a byte the scan collects anyway (the view's marks:
//! the `:` of `https://`) need no automaton: each mark is checked for the
//! literals holding its byte.

use std::collections::HashMap;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, Input, MatchKind};

/// Collects literals and what each stands for, before compiling. Deny-lists
/// can hold many thousands of keywords, so nothing here is quadratic.
pub(crate) struct LiteralSetBuilder<T> {
    exact: HashMap<Vec<u8>, Vec<T>>,
    folded: HashMap<Vec<u8>, Vec<T>>,
    marked: Vec<Marked<T>>,
}

/// A literal found from the marks.
#[derive(Debug)]
struct Marked<T> {
    literal: Vec<u8>,
    /// Where the literal's first marked byte is.
    mark: usize,
    folded: bool,
    target: T,
}

impl<T: Copy> LiteralSetBuilder<T> {
    pub(crate) fn new() -> Self {
        LiteralSetBuilder {
            exact: HashMap::new(),
            folded: HashMap::new(),
            marked: Vec::new(),
        }
    }

    /// Adds `literal` for `target`, found where `literal[mark]` is marked
    /// (`mark` is the first such byte, not a letter when `folded`).
    pub(crate) fn add_marked(&mut self, literal: &[u8], mark: usize, folded: bool, target: T) {
        self.marked.push(Marked {
            literal: literal.to_vec(),
            mark,
            folded,
            target,
        });
    }

    /// Adds `literal` for `target`; a folded literal matches in any ASCII case.
    pub(crate) fn add(&mut self, literal: &[u8], folded: bool, target: T) {
        let (map, literal) = if folded {
            (&mut self.folded, literal.to_ascii_lowercase())
        } else {
            (&mut self.exact, literal.to_vec())
        };
        map.entry(literal).or_default().push(target);
    }

    pub(crate) fn build(self) -> Result<LiteralSet<T>, aho_corasick::BuildError> {
        // A few folded literals (`http://`, `www.`) are better spelled out in
        // every case, in their own automaton: then it can use Teddy, which
        // case-insensitive search cannot.
        let variants: usize = self
            .folded
            .keys()
            .map(|l| 1usize << l.iter().filter(|b| b.is_ascii_alphabetic()).count().min(7))
            .sum();
        let (spelled, folded) = if variants <= MAX_SPELLED_VARIANTS {
            let mut spelled: HashMap<Vec<u8>, Vec<T>> = HashMap::new();
            for (literal, targets) in self.folded {
                for variant in case_variants(&literal) {
                    spelled.entry(variant).or_default().extend(&targets);
                }
            }
            (spelled, HashMap::new())
        } else {
            (HashMap::new(), self.folded)
        };
        // Teddy compares as many leading bytes of every literal as its
        // shortest one has: one 2-byte literal (`0x`) would let through far
        // more false candidates for all the others, so short ones are
        // searched apart (memchr's pair search, when there is one).
        let (short, mut exact): (HashMap<_, _>, HashMap<_, _>) = self
            .exact
            .into_iter()
            .partition(|(literal, _)| literal.len() < MIN_TEDDY_LEN);
        // A few spelled variants (`www` once `https://` is found from its
        // `:`) join the exact literals: one Teddy pass instead of two. Many
        // would crowd its buckets, which then pass more false candidates.
        // Alone, `www`'s spellings would not even get Teddy: with two start
        // bytes, the automaton runs `memchr2` on `w` and `W`.
        let mut spelled = spelled;
        if exact.len() + spelled.len() <= MAX_SHARED_TEDDY
            && spelled.keys().all(|l| l.len() >= MIN_TEDDY_LEN)
        {
            for (literal, targets) in spelled.drain() {
                exact.entry(literal).or_default().extend(targets);
            }
        }
        let mut by_mark = vec![Vec::new(); 256];
        for (i, marked) in self.marked.iter().enumerate() {
            by_mark[usize::from(marked.literal[marked.mark])].push(i);
        }
        Ok(LiteralSet {
            marked: self.marked,
            by_mark,
            parts: [
                Part::new(exact, false)?,
                Part::new(short, false)?,
                Part::new(spelled, false)?,
                Part::new(folded, true)?,
            ]
            .into_iter()
            .flatten()
            .collect(),
        })
    }
}

/// Literals shorter than this are kept out of the Teddy automata.
const MIN_TEDDY_LEN: usize = 3;

/// The most literals exact and spelled ones share an automaton with: the
/// built-in set's 14 run as fast as its 6 exact ones alone, its 30 at a
/// third of that speed.
const MAX_SHARED_TEDDY: usize = 16;

/// Teddy, the SIMD literal search, takes at most 64 literals.
const MAX_SPELLED_VARIANTS: usize = 64;

/// `literal` in every combination of ASCII case.
fn case_variants(literal: &[u8]) -> Vec<Vec<u8>> {
    let mut out = vec![Vec::with_capacity(literal.len())];
    for &b in literal {
        if b.is_ascii_alphabetic() {
            out = out
                .into_iter()
                .flat_map(|prefix| {
                    [b.to_ascii_lowercase(), b.to_ascii_uppercase()].map(|c| {
                        let mut v = prefix.clone();
                        v.push(c);
                        v
                    })
                })
                .collect();
        } else {
            for v in &mut out {
                v.push(b);
            }
        }
    }
    out
}

/// Compiled literals; see the module documentation.
#[derive(Debug)]
pub(crate) struct LiteralSet<T> {
    parts: Vec<Part<T>>,
    marked: Vec<Marked<T>>,
    /// For each byte, the marked literals whose mark it is.
    by_mark: Vec<Vec<usize>>,
}

#[derive(Debug)]
struct Part<T> {
    automaton: AhoCorasick,
    literals: Vec<Vec<u8>>,
    targets: Vec<Vec<T>>,
    /// For each literal, the longer literals that start with it.
    extensions: Vec<Vec<usize>>,
    folded: bool,
}

impl<T: Copy> Part<T> {
    fn new(
        entries: HashMap<Vec<u8>, Vec<T>>,
        folded: bool,
    ) -> Result<Option<Part<T>>, aho_corasick::BuildError> {
        if entries.is_empty() {
            return Ok(None);
        }
        let mut entries: Vec<(Vec<u8>, Vec<T>)> = entries.into_iter().collect();
        // Shortest first (the automaton prefers earlier literals), then in
        // byte order so that builds are deterministic.
        entries.sort_by(|(a, _), (b, _)| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let (literals, targets): (Vec<Vec<u8>>, Vec<Vec<T>>) = entries.into_iter().unzip();
        let index: HashMap<&[u8], usize> = literals
            .iter()
            .enumerate()
            .map(|(i, l)| (l.as_slice(), i))
            .collect();
        // Each literal is an extension of every shorter literal that is one
        // of its prefixes: one lookup per prefix length.
        let mut extensions = vec![Vec::new(); literals.len()];
        for (i, literal) in literals.iter().enumerate() {
            for len in 1..literal.len() {
                if let Some(&shorter) = index.get(&literal[..len]) {
                    extensions[shorter].push(i);
                }
            }
        }
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(folded)
            .match_kind(MatchKind::LeftmostFirst)
            .build(&literals)?;
        Ok(Some(Part {
            automaton,
            literals,
            targets,
            extensions,
            folded,
        }))
    }

    fn starts_at(&self, text: &[u8], at: usize, literal: usize) -> bool {
        let literal = &self.literals[literal];
        text.get(at..at + literal.len()).is_some_and(|found| {
            if self.folded {
                found.eq_ignore_ascii_case(literal)
            } else {
                found == literal.as_slice()
            }
        })
    }
}

impl<T: Copy> LiteralSet<T> {
    /// Whether some literals are found from the marks.
    pub(crate) fn has_marked(&self) -> bool {
        !self.marked.is_empty()
    }

    /// Appends every literal occurrence in `text` to `hits` as `(start,
    /// target)`, overlapping ones included, in order of `start`; `marks` are
    /// the positions of the marked bytes in `text`, in order.
    pub(crate) fn find_all(&self, text: &[u8], marks: &[usize], hits: &mut Vec<(usize, T)>) {
        for part in &self.parts {
            let mut at = 0;
            while let Some(hit) = part.automaton.find(Input::new(text).span(at..text.len())) {
                let (start, literal) = (hit.start(), hit.pattern().as_usize());
                hits.extend(part.targets[literal].iter().map(|&t| (start, t)));
                for &longer in &part.extensions[literal] {
                    if part.starts_at(text, start, longer) {
                        hits.extend(part.targets[longer].iter().map(|&t| (start, t)));
                    }
                }
                at = start + 1;
            }
        }
        if self.has_marked() {
            for &at in marks {
                for marked in self.by_mark[usize::from(text[at])]
                    .iter()
                    .map(|&i| &self.marked[i])
                {
                    let Some(start) = at.checked_sub(marked.mark) else {
                        continue;
                    };
                    let found = text.get(start..start + marked.literal.len());
                    if found.is_some_and(|found| {
                        found == marked.literal
                            || marked.folded && found.eq_ignore_ascii_case(&marked.literal)
                    }) {
                        hits.push((start, marked.target));
                    }
                }
            }
        }
        // Each automaton's hits, and the marks', come in order: a stable
        // merge of those runs puts every pattern's hits in order of start.
        hits.sort_by_key(|&(start, _)| start);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A set of `(literal, folded, target)`.
    fn set_of(literals: &[(&[u8], bool, u8)]) -> LiteralSet<u8> {
        let mut builder = LiteralSetBuilder::new();
        for &(literal, folded, target) in literals {
            builder.add(literal, folded, target);
        }
        builder.build().unwrap()
    }

    fn hits(set: &LiteralSet<u8>, text: &str) -> Vec<(usize, u8)> {
        let marks: Vec<usize> = memchr::memchr_iter(b':', text.as_bytes()).collect();
        let mut out = Vec::new();
        set.find_all(text.as_bytes(), &marks, &mut out);
        assert!(out.is_sorted_by_key(|&(start, _)| start));
        out.sort_unstable();
        out
    }

    #[test]
    fn overlapping_and_extending_literals_are_all_reported() {
        let set = set_of(&[
            (b"pass", true, 1),
            (b"password", true, 2),
            (b"word", true, 3),
            (b"AKIA", false, 4),
        ]);
        assert_eq!(
            hits(&set, "PassWord AKIA akia"),
            vec![(0, 1), (0, 2), (4, 3), (9, 4)]
        );
        assert_eq!(hits(&set, "aaaa"), vec![]);
    }

    #[test]
    fn few_folded_literals_are_spelled_out_in_every_case() {
        assert_eq!(case_variants(b"a1b").len(), 4);
        let set = set_of(&[(b"www.", true, 1), (b"http", true, 2), (b"https", true, 3)]);
        assert_eq!(set.parts.len(), 1, "one exact automaton, no folded one");
        assert!(!set.parts[0].folded);
        assert_eq!(
            hits(&set, "WwW. HTTPS http hTtPs"),
            vec![(0, 1), (5, 2), (5, 3), (11, 2), (16, 2), (16, 3)]
        );
    }

    #[test]
    fn short_literals_get_an_automaton_of_their_own() {
        let set = set_of(&[(b"0x", false, 1), (b"AKIA", false, 2), (b"eyJ", false, 3)]);
        let literals: Vec<Vec<&[u8]>> = set
            .parts
            .iter()
            .map(|part| part.literals.iter().map(Vec::as_slice).collect())
            .collect();
        assert_eq!(literals, [vec![&b"eyJ"[..], b"AKIA"], vec![b"0x"]]);
        assert_eq!(
            hits(&set, "0xAKIA eyJ0x"),
            vec![(0, 1), (2, 2), (7, 3), (10, 1)]
        );
    }

    #[test]
    fn marked_literals_are_found_from_their_marks() {
        let mut builder = LiteralSetBuilder::new();
        builder.add_marked(b"http://", 4, true, 1);
        builder.add_marked(b"ftp://", 3, true, 2);
        builder.add_marked(b"x:", 1, false, 3);
        builder.add(b"www", true, 4);
        let set = builder.build().unwrap();
        assert_eq!(
            hits(&set, "HTTP://a :// ftp:/ Ftp://b x: X: wWw"),
            vec![(0, 1), (19, 2), (27, 3), (33, 4)]
        );
        assert_eq!(hits(&set, "://"), vec![], "a mark too close to the start");
    }

    #[test]
    fn few_spelled_variants_share_the_exact_automaton() {
        let parts = |set: &LiteralSet<u8>| {
            set.parts
                .iter()
                .map(|p| p.literals.len())
                .collect::<Vec<_>>()
        };
        let few = set_of(&[(b"www", true, 1), (b"eyJ", false, 2)]);
        assert_eq!(parts(&few), [9]);
        assert_eq!(hits(&few, "WwW eyJ"), vec![(0, 1), (4, 2)]);
        let many = set_of(&[(b"abcd", true, 1), (b"eyJ", false, 2)]);
        assert_eq!(parts(&many), [1, 16]);
        assert_eq!(hits(&many, "aBcD eyJ"), vec![(0, 1), (5, 2)]);
    }

    #[test]
    fn one_literal_many_targets() {
        let set = set_of(&[(b"sk-", false, 1), (b"sk-", false, 2)]);
        assert_eq!(hits(&set, "x sk-sk-"), vec![(2, 1), (2, 2), (5, 1), (5, 2)]);
    }
}
