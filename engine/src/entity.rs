//! Entity types: the names findings are reported under.

/// The entity types palisade recognizes out of the box, with Presidio's names
/// where Presidio has one.
pub const BUILTIN_ENTITIES: &[&str] = &[
    "EMAIL_ADDRESS",
    "PHONE_NUMBER",
    "US_SSN",
    "US_ITIN",
    "CREDIT_CARD",
    "IBAN_CODE",
    "IP_ADDRESS",
    "URL",
    "CRYPTO",
    "MAC_ADDRESS",
    "UK_NHS",
    "UK_NINO",
    "AWS_ACCESS_KEY",
    "GITHUB_TOKEN",
    "SLACK_TOKEN",
    "JWT",
    "PRIVATE_KEY",
    "STRIPE_KEY",
    "GOOGLE_API_KEY",
    "OPENAI_API_KEY",
    "SECRET",
    "INVISIBLE_TEXT",
];

/// Index of an entity type in a [`Scanner`](crate::Scanner)'s entity table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId(pub(crate) u16);

impl EntityId {
    /// The index, for tables keyed by entity.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }
}

/// A set of entity types, to restrict a scan to some of them.
///
/// Built with [`Scanner::entity_set`](crate::Scanner::entity_set), which
/// rejects names the scanner does not know.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntitySet {
    bits: Vec<u64>,
}

impl EntitySet {
    pub(crate) fn insert(&mut self, id: EntityId) {
        let (word, bit) = (id.index() / 64, id.index() % 64);
        if self.bits.len() <= word {
            self.bits.resize(word + 1, 0);
        }
        self.bits[word] |= 1 << bit;
    }

    /// Whether `id` is in the set.
    pub fn contains(&self, id: EntityId) -> bool {
        self.bits
            .get(id.index() / 64)
            .is_some_and(|w| w & (1 << (id.index() % 64)) != 0)
    }
}
