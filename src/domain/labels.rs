//! Shared label strings. 100,000 alarms carry a few dozen distinct label
//! names and, for most labels, a few hundred distinct values (`alertname`,
//! `severity`, `job`, `service` …): kept as one `String` each, they were most
//! of an alarm's memory. [`Text`] is an immutable string interned in one
//! process-wide pool, so every alarm, every copy of an alarm and every
//! timeline line naming the same string share one allocation; [`Labels`]
//! is a sorted slice of `(name, value)` pairs of them (one allocation per
//! set instead of a B-tree node plus two strings per pair).
//!
//! The pool keeps each string while anything uses it: it drops the strings
//! only it still holds whenever it has doubled in size since the last
//! sweep, so it stays within about twice the live set. No I/O and no clock:
//! `domain` stays pure.

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

/// Strings the pool holds before its first sweep.
const FIRST_SWEEP: usize = 4096;

struct Pool {
    set: HashSet<Arc<str>>,
    sweep_at: usize,
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        set: HashSet::new(),
        sweep_at: FIRST_SWEEP,
    })
});

fn intern(s: &str) -> Arc<str> {
    // A poisoned pool (a panic elsewhere while it was locked) is still a
    // consistent set: keep using it.
    let mut pool = POOL.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(a) = pool.set.get(s) {
        return a.clone();
    }
    let a: Arc<str> = Arc::from(s);
    pool.set.insert(a.clone());
    if pool.set.len() >= pool.sweep_at {
        pool.set.retain(|a| Arc::strong_count(a) > 1);
        pool.sweep_at = (pool.set.len() * 2).max(FIRST_SWEEP);
    }
    a
}

/// How many distinct strings the pool holds (for tests and benchmarks).
pub fn pool_len() -> usize {
    POOL.lock().map(|p| p.set.len()).unwrap_or(0)
}

/// An immutable, interned string: cloning is a reference count, equal
/// strings share one allocation. Reads as a `&str` (`Deref`, `as_str`).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Text(Arc<str>);

impl Text {
    pub fn new(s: &str) -> Text {
        Text(intern(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether two texts are the same allocation (interned: equal ⇔ same).
    pub fn ptr_eq(a: &Text, b: &Text) -> bool {
        Arc::ptr_eq(&a.0, &b.0)
    }
}

impl Default for Text {
    fn default() -> Text {
        Text::new("")
    }
}

impl Deref for Text {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Text {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Text {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&*self.0, f)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl From<&str> for Text {
    fn from(s: &str) -> Text {
        Text::new(s)
    }
}

impl From<String> for Text {
    fn from(s: String) -> Text {
        Text::new(&s)
    }
}

impl From<&String> for Text {
    fn from(s: &String) -> Text {
        Text::new(s)
    }
}

impl From<&Text> for String {
    fn from(t: &Text) -> String {
        t.as_str().to_string()
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.as_str().to_string()
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other.as_str()
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        self == other.as_str()
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        *self == other.as_str()
    }
}

impl PartialEq<Text> for String {
    fn eq(&self, other: &Text) -> bool {
        self.as_str() == other.as_str()
    }
}

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

struct TextVisitor;

impl Visitor<'_> for TextVisitor {
    type Value = Text;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    // Borrowed or not, the string is interned without an owned copy first.
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Text, E> {
        Ok(Text::new(v))
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
        d.deserialize_str(TextVisitor)
    }
}

/// A label (or annotation) set: `(name, value)` pairs sorted by name, names
/// unique. Reads like the `BTreeMap<String, String>` it replaces: `get`,
/// `contains_key`, `labels["name"]`, iteration in name order.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct Labels(Box<[(Text, Text)]>);

impl Labels {
    pub fn new() -> Labels {
        Labels::default()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn find(&self, name: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(name))
    }

    pub fn get(&self, name: &str) -> Option<&Text> {
        self.find(name).ok().map(|i| &self.0[i].1)
    }

    pub fn contains_key(&self, name: &str) -> bool {
        self.find(name).is_ok()
    }

    /// Set `name` to `value`; returns the value it replaced.
    pub fn insert(&mut self, name: impl Into<Text>, value: impl Into<Text>) -> Option<Text> {
        let (name, value) = (name.into(), value.into());
        match self.find(&name) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                let mut v = std::mem::take(&mut self.0).into_vec();
                v.insert(i, (name, value));
                self.0 = v.into_boxed_slice();
                None
            }
        }
    }

    pub fn remove(&mut self, name: &str) -> Option<Text> {
        let i = self.find(name).ok()?;
        let mut v = std::mem::take(&mut self.0).into_vec();
        let (_, value) = v.remove(i);
        self.0 = v.into_boxed_slice();
        Some(value)
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&Text, &Text)> + DoubleEndedIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }

    pub fn keys(&self) -> impl Iterator<Item = &Text> {
        self.0.iter().map(|(k, _)| k)
    }

    pub fn values(&self) -> impl Iterator<Item = &Text> {
        self.0.iter().map(|(_, v)| v)
    }

    /// Keep only the pairs `keep` says yes to.
    pub fn retain(&mut self, mut keep: impl FnMut(&Text, &Text) -> bool) {
        let mut v = std::mem::take(&mut self.0).into_vec();
        v.retain(|(k, val)| keep(k, val));
        self.0 = v.into_boxed_slice();
    }

    /// From pairs in any order; a repeated name keeps its last value.
    fn from_pairs(mut v: Vec<(Text, Text)>) -> Labels {
        // Stable: equal names stay in input order, so the last one wins below.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Text, Text)> = Vec::with_capacity(v.len());
        for (k, val) in v {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = val,
                _ => out.push((k, val)),
            }
        }
        Labels(out.into_boxed_slice())
    }
}

impl std::ops::Index<&str> for Labels {
    type Output = Text;
    /// Like `BTreeMap`'s: panics when `name` is missing (tests read known labels).
    fn index(&self, name: &str) -> &Text {
        match self.get(name) {
            Some(v) => v,
            None => panic!("no label {name:?}"),
        }
    }
}

impl<'a> IntoIterator for &'a Labels {
    type Item = (&'a Text, &'a Text);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Text, Text)>,
        fn(&'a (Text, Text)) -> (&'a Text, &'a Text),
    >;
    fn into_iter(self) -> Self::IntoIter {
        fn pair(p: &(Text, Text)) -> (&Text, &Text) {
            (&p.0, &p.1)
        }
        self.0
            .iter()
            .map(pair as fn(&'a (Text, Text)) -> (&'a Text, &'a Text))
    }
}

impl<K: Into<Text>, V: Into<Text>> FromIterator<(K, V)> for Labels {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Labels {
        Labels::from_pairs(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

impl<K: Into<Text>, V: Into<Text>, const N: usize> From<[(K, V); N]> for Labels {
    fn from(pairs: [(K, V); N]) -> Labels {
        pairs.into_iter().collect()
    }
}

impl From<BTreeMap<String, String>> for Labels {
    fn from(m: BTreeMap<String, String>) -> Labels {
        m.into_iter().collect()
    }
}

impl From<&Labels> for BTreeMap<String, String> {
    fn from(l: &Labels) -> BTreeMap<String, String> {
        l.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl Serialize for Labels {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.len()))?;
        for (k, v) in self {
            m.serialize_entry(k.as_str(), v.as_str())?;
        }
        m.end()
    }
}

struct LabelsVisitor;

impl<'de> Visitor<'de> for LabelsVisitor {
    type Value = Labels;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map of strings")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Labels, A::Error> {
        // Never trust a size hint from outside for an allocation.
        let mut v = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some((k, val)) = map.next_entry::<Text, Text>()? {
            v.push((k, val));
        }
        Ok(Labels::from_pairs(v))
    }
}

impl<'de> Deserialize<'de> for Labels {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Labels, D::Error> {
        d.deserialize_map(LabelsVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_strings_share_one_allocation() {
        let a = Text::new("interned-test-value");
        let b: Text = String::from("interned-test-value").into();
        assert!(Text::ptr_eq(&a, &b));
        let l1: Labels = serde_json::from_str(r#"{"job":"interned-test-value"}"#).unwrap();
        assert!(Text::ptr_eq(&l1["job"], &a));
        assert_eq!(a, "interned-test-value");
        assert_eq!("interned-test-value", a);
        assert_eq!(a, String::from("interned-test-value"));
    }

    #[test]
    fn behaves_like_the_sorted_map_it_replaces() {
        let mut l = Labels::new();
        assert_eq!(l.insert("severity", "critical"), None);
        l.insert("alertname", "DiskFull");
        l.insert("instance", "db-01");
        assert_eq!(l.insert("severity", "warning").as_deref(), Some("critical"));
        let keys: Vec<&str> = l.keys().map(Text::as_str).collect();
        assert_eq!(keys, ["alertname", "instance", "severity"]);
        assert_eq!(l["severity"], "warning");
        assert!(l.contains_key("instance") && !l.contains_key("job"));
        assert_eq!(l.remove("instance").as_deref(), Some("db-01"));
        assert_eq!(l.len(), 2);
        // Same JSON as the map: sorted object, and back.
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#"{"alertname":"DiskFull","severity":"warning"}"#);
        let back: Labels = serde_json::from_str(&json).unwrap();
        assert_eq!(back, l);
        let m: BTreeMap<String, String> = (&l).into();
        assert_eq!(Labels::from(m), l);
        // A repeated name keeps its last value, like a map.
        let dup: Labels = serde_json::from_str(r#"{"a":"1","b":"2","a":"3"}"#).unwrap();
        assert_eq!(dup["a"], "3");
        assert_eq!(dup.len(), 2);
        assert!(serde_json::from_str::<Labels>(r#"{"a":1}"#).is_err());
    }

    #[test]
    fn the_pool_forgets_strings_nothing_uses() {
        let unique = |i: usize| format!("pool-sweep-{i}-{}", std::process::id());
        let held: Vec<Text> = (0..100).map(|i| Text::new(&unique(i))).collect();
        for i in 100..(FIRST_SWEEP * 4) {
            drop(Text::new(&unique(i)));
        }
        // Swept at least once: far fewer than everything ever interned.
        assert!(pool_len() < FIRST_SWEEP * 3, "{}", pool_len());
        // What is still used survives the sweeps and is still shared.
        for (i, t) in held.iter().enumerate() {
            assert!(Text::ptr_eq(t, &Text::new(&unique(i))));
        }
    }
}
