//! The account index: one small record (`tts:index`) with what the badge, start-up, the
//! scheduler and the popup's list need of every account — name, region, expiries, whether it
//! needs reconnecting or is damaged — so none of them reads every account. It is written with
//! the account writes that change it, kept current in memory from storage change events, and
//! rebuilt from the accounts when it is missing or unreadable. It is derived data: a stale entry
//! can delay a proactive refresh, never lose a token (calls refresh on TikTok's codes anyway).

use super::account::{open_id_of_key, AccountReason, StoredAccount};
use crate::json::Value;
use crate::policy::{account_status, status_from_times, AccountStatus};
use serde::Serialize;
use std::rc::Rc;

/// The index's schema version.
pub const INDEX_VERSION: u32 = 2;

/// What the index knows of one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The seller's name.
    pub seller_name: String,
    /// The seller's base region.
    pub seller_region: String,
    /// When the access token expires.
    pub access_expires_at: i64,
    /// When the refresh token expires.
    pub refresh_expires_at: i64,
    /// When the tokens were issued, when known.
    pub received_at: Option<i64>,
    /// Why the seller must reconnect, when they must.
    pub reconnect: Option<AccountReason>,
    /// The app key the account is bound to (shared: nearly every account has the same).
    pub app_key: Rc<str>,
    /// Why the record cannot be read, when it cannot.
    pub damaged: Option<String>,
}

impl IndexEntry {
    /// The entry of a readable account.
    pub fn of(account: &StoredAccount) -> IndexEntry {
        IndexEntry {
            seller_name: account.tokens.seller_name.clone(),
            seller_region: account.tokens.seller_base_region.clone(),
            access_expires_at: account.tokens.access_token_expires_at,
            refresh_expires_at: account.tokens.refresh_token_expires_at,
            received_at: account.tokens_received_at,
            reconnect: account
                .reconnect
                .as_ref()
                .map(|r| r.kind.unwrap_or(AccountReason::AuthorizationLost)),
            app_key: Rc::from(account.app_key.as_str()),
            damaged: None,
        }
    }

    /// The entry of a record that cannot be read.
    pub fn damaged(why: &str) -> IndexEntry {
        IndexEntry {
            seller_name: String::new(),
            seller_region: String::new(),
            access_expires_at: 0,
            refresh_expires_at: 0,
            received_at: None,
            reconnect: None,
            app_key: Rc::from(""),
            damaged: Some(why.to_owned()),
        }
    }

    /// The account's status at `now`.
    pub fn status(&self, now: i64, margin_secs: i64, app_key: &str) -> AccountStatus {
        if self.damaged.is_some() {
            return AccountStatus::Damaged;
        }
        account_status(
            self.reconnect.is_some(),
            &*self.app_key == app_key,
            status_from_times(
                self.access_expires_at,
                self.refresh_expires_at,
                self.received_at,
                now,
                margin_secs,
            ),
        )
    }

    /// Whether the stored index must be written at once when this entry becomes `new`: when
    /// leaving it behind could hide something (a name, a status, an earlier due time), not when it
    /// only makes an account look due sooner than it is.
    pub fn must_persist(&self, new: &IndexEntry, margin_secs: i64) -> bool {
        self.seller_name != new.seller_name
            || self.seller_region != new.seller_region
            || self.reconnect != new.reconnect
            || self.app_key != new.app_key
            || self.damaged != new.damaged
            || self.refresh_expires_at > new.refresh_expires_at
            || new.due_at(margin_secs) < self.due_at(margin_secs)
    }

    /// When a refresh becomes due.
    pub fn due_at(&self, margin_secs: i64) -> i64 {
        crate::policy::refresh_due_at(self.access_expires_at, self.received_at, margin_secs)
    }
}

/// Accounts by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct StatusCounts {
    /// Ready.
    pub valid: u32,
    /// Due for a refresh.
    pub expiring: u32,
    /// Access token expired.
    pub access_expired: u32,
    /// The seller must connect again.
    pub reconnect_required: u32,
    /// Unreadable records.
    pub damaged: u32,
}

impl StatusCounts {
    fn add(&mut self, status: AccountStatus) {
        let slot = match status {
            AccountStatus::Valid => &mut self.valid,
            AccountStatus::Expiring => &mut self.expiring,
            AccountStatus::AccessExpired => &mut self.access_expired,
            AccountStatus::ReconnectRequired => &mut self.reconnect_required,
            AccountStatus::Damaged => &mut self.damaged,
        };
        *slot = slot.saturating_add(1);
    }
}

/// A seller that needs the person's attention.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AttentionItem {
    /// The seller's `open_id`.
    pub open_id: String,
    /// The seller's name (empty for a damaged record).
    pub seller_name: String,
    /// Its status.
    pub status: AccountStatus,
}

/// Everything the badge and a quick look need, without reading any account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct Overview {
    /// How many accounts are stored.
    pub total: u32,
    /// By status.
    pub counts: StatusCounts,
    /// The first sellers (by name) that need reconnecting or are damaged, at most
    /// [`ATTENTION_LIMIT`].
    pub attention: Vec<AttentionItem>,
    /// The earliest time a refresh becomes due, among accounts that can be refreshed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(test, ts(optional, type = "number"))]
    pub next_due_at: Option<i64>,
}

/// How many sellers [`Overview::attention`] names.
pub const ATTENTION_LIMIT: usize = 5;

/// The index: every account's entry, by `open_id`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountIndex {
    /// Sorted by `open_id`, each once (a sorted list with binary search, as the JSON objects
    /// are: the module carries no B-tree).
    entries: Vec<(String, IndexEntry)>,
}

/// `null` as `None`, else an integer (`None` for anything else).
fn opt_int(v: &Value) -> Option<Option<i64>> {
    if v.is_null() {
        Some(None)
    } else {
        v.as_i64().map(Some)
    }
}

/// `null` as `None`, else a string (`None` for anything else).
fn opt_str(v: &Value) -> Option<Option<&str>> {
    if v.is_null() {
        Some(None)
    } else {
        v.as_str().map(Some)
    }
}

/// One stored entry: its `open_id` and what the index knows (`common`: the index's app key).
/// Every field is checked before anything is allocated: a bad entry then costs no clean-up.
fn read_entry<'a>(item: &'a Value, common: &Rc<str>) -> Option<(&'a str, IndexEntry)> {
    let [open_id, name, region, access, refresh, received, reconnect, key, damaged] =
        item.as_array()?.as_slice()
    else {
        return None;
    };
    let reconnect = match opt_str(reconnect)? {
        None => None,
        Some(word) => Some(AccountReason::from_word(word)?),
    };
    let open_id = open_id.as_str()?;
    let (name, region) = (name.as_str()?, region.as_str()?);
    let (access, refresh, received) = (access.as_i64()?, refresh.as_i64()?, opt_int(received)?);
    let (key, damaged) = (opt_str(key)?, opt_str(damaged)?);
    Some((
        open_id,
        IndexEntry {
            seller_name: name.to_owned(),
            seller_region: region.to_owned(),
            access_expires_at: access,
            refresh_expires_at: refresh,
            received_at: received,
            reconnect,
            app_key: key.map_or_else(|| common.clone(), Rc::from),
            damaged: damaged.map(str::to_owned),
        },
    ))
}

/// The ids of `keys` in their order (each key's first text, or with `second_text` its second), from
/// the `skip`th on, at most `limit`: one plain loop for every list the index gives (each chain of
/// iterator adapters is code of its own in the module).
fn sorted_ids(
    keys: Vec<crate::SortKey>,
    skip: usize,
    limit: usize,
    second_text: bool,
) -> Vec<String> {
    let mut ids = Vec::new();
    let mut skipped = 0;
    for ((_, first, second), _) in crate::sort_keys(keys) {
        if ids.len() >= limit {
            break;
        }
        if skipped < skip {
            skipped += 1;
            continue;
        }
        ids.push(if second_text { second } else { first });
    }
    ids
}

// One account as stored: `[openId, name, region, accessExpiresAt, refreshExpiresAt,
// receivedAt, reconnect, appKey (when not the index's), damaged]`. Arrays, not objects: the
// index is read at every worker start, and arrays are smaller to keep and to parse.
impl AccountIndex {
    /// Reads a stored index; `None` when it is missing, of another version or unreadable (then
    /// it is rebuilt).
    pub fn from_value(value: Value) -> Option<AccountIndex> {
        match value {
            Value::String(text) => Self::from_text(&text),
            other => Self::from_stored(&other),
        }
    }

    /// Reads a stored index from its JSON text.
    pub fn from_text(text: &str) -> Option<AccountIndex> {
        Self::from_stored(&crate::json::from_str(text).ok()?)
    }

    /// Read by hand over the parsed value (one JSON parser for the whole module, rather than a
    /// derived reader of its own).
    fn from_stored(stored: &Value) -> Option<AccountIndex> {
        if stored.get("v")?.as_u64()? != u64::from(INDEX_VERSION) {
            return None;
        }
        let common: Rc<str> = Rc::from(stored.get("k")?.as_str()?);
        // Set one by one: the stored entries are in order already (each goes at the end), and
        // a duplicate keeps the last, as before.
        let mut index = AccountIndex::default();
        for item in stored.get("a")?.as_array()? {
            let (open_id, entry) = read_entry(item, &common)?;
            index.set(open_id, entry);
        }
        Some(index)
    }

    /// The index as a store value: its JSON as one string. A browser store hands a string back
    /// several times faster than the same data as an object of 1,000 objects (measured in
    /// Chromium: 1.8 ms against 10–12 ms for 1,000 accounts), and start-up reads it.
    pub fn to_value(&self) -> Value {
        let mut common = "";
        for (_, e) in &self.entries {
            if e.damaged.is_none() {
                common = &e.app_key;
                break;
            }
        }
        // Built as a JSON value and written by the module's one writer (no serde serializer of
        // a tuple of its own): the same text as before.
        let text = |s: Option<&str>| s.map_or(Value::Null, Value::from);
        let mut a: Vec<Value> = Vec::with_capacity(self.entries.len());
        for (open_id, e) in &self.entries {
            a.push(Value::Array(vec![
                open_id.as_str().into(),
                e.seller_name.as_str().into(),
                e.seller_region.as_str().into(),
                e.access_expires_at.into(),
                e.refresh_expires_at.into(),
                e.received_at.map_or(Value::Null, Value::from),
                text(e.reconnect.map(AccountReason::word)),
                text((&*e.app_key != common).then_some(&*e.app_key)),
                text(e.damaged.as_deref()),
            ]));
        }
        Value::String(format!(
            "{{\"v\":{INDEX_VERSION},\"k\":{},\"a\":{}}}",
            Value::from(common).to_json(),
            Value::Array(a).to_json()
        ))
    }

    /// How many accounts it lists.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it lists none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of an account.
    pub fn get(&self, open_id: &str) -> Option<&IndexEntry> {
        let at = self.position(open_id).ok()?;
        self.entries.get(at).map(|(_, entry)| entry)
    }

    /// Where `open_id` is (`Ok`) or would go (`Err`).
    fn position(&self, open_id: &str) -> Result<usize, usize> {
        self.entries
            .binary_search_by(|(id, _)| id.as_str().cmp(open_id))
    }

    /// Every listed `open_id`, in order.
    pub fn open_ids(&self) -> impl Iterator<Item = &String> {
        self.entries.iter().map(|(open_id, _)| open_id)
    }

    /// Checks the index against the store's `keys`: drops the entries of accounts no longer
    /// stored, and returns the stored ids it lacks (in order) and whether it dropped any.
    pub fn reconcile(&mut self, keys: &[String]) -> (Vec<String>, bool) {
        // The stored ids, in order (a sorted list, not a set: one kind of map fewer in the
        // module). Duplicates cannot occur: keys are unique.
        let mut stored: Vec<crate::SortKey> = Vec::new();
        for key in keys {
            if let Some(id) = open_id_of_key(key) {
                stored.push((0, id.to_owned(), String::new()));
            }
        }
        let stored_ids = sorted_ids(stored, 0, usize::MAX, false);
        let listed = self.entries.len();
        self.entries
            .retain(|(id, _)| stored_ids.binary_search(id).is_ok());
        let removed = self.entries.len() != listed;
        let mut unknown = Vec::new();
        for id in stored_ids {
            if self.get(&id).is_none() {
                unknown.push(id);
            }
        }
        (unknown, removed)
    }

    /// Sets an account's entry; whether anything changed.
    pub fn set(&mut self, open_id: &str, entry: IndexEntry) -> bool {
        match self.position(open_id) {
            Ok(at) => match self.entries.get_mut(at) {
                Some((_, old)) if *old != entry => {
                    *old = entry;
                    true
                }
                _ => false,
            },
            Err(at) => {
                self.entries.insert(at, (open_id.to_owned(), entry));
                true
            }
        }
    }

    /// Removes an account; whether it was listed.
    pub fn remove(&mut self, open_id: &str) -> bool {
        match self.position(open_id) {
            Ok(at) => {
                self.entries.remove(at);
                true
            }
            Err(_) => false,
        }
    }

    /// The overview at `now`.
    pub fn overview(&self, now: i64, margin_secs: i64, app_key: &str) -> Overview {
        let mut counts = StatusCounts::default();
        // The sellers needing attention by name (lower case), then `open_id`: their keys sorted,
        // each item made after (one sort in the module, not one per item type).
        let mut attention: Vec<crate::SortKey> = Vec::new();
        let mut next_due_at: Option<i64> = None;
        for (open_id, entry) in &self.entries {
            let status = entry.status(now, margin_secs, app_key);
            counts.add(status);
            if status.needs_attention() {
                attention.push((0, crate::lowercase(&entry.seller_name), open_id.clone()));
            } else {
                let due = entry.due_at(margin_secs);
                next_due_at = Some(next_due_at.map_or(due, |d| d.min(due)));
            }
        }
        let mut items = Vec::new();
        for open_id in sorted_ids(attention, 0, ATTENTION_LIMIT, true) {
            if let Some(entry) = self.get(&open_id) {
                items.push(AttentionItem {
                    seller_name: entry.seller_name.clone(),
                    status: entry.status(now, margin_secs, app_key),
                    open_id,
                });
            }
        }
        Overview {
            total: u32::try_from(self.entries.len()).unwrap_or(u32::MAX),
            counts,
            attention: items,
            next_due_at,
        }
    }

    /// The accounts due for a refresh at `now`, earliest first, at most `limit`.
    pub fn due(&self, now: i64, margin_secs: i64, app_key: &str, limit: usize) -> Vec<String> {
        let mut due: Vec<crate::SortKey> = Vec::new();
        for (id, e) in &self.entries {
            if e.status(now, margin_secs, app_key).refresh_due() {
                due.push((e.due_at(margin_secs), id.clone(), String::new()));
            }
        }
        sorted_ids(due, 0, limit, false)
    }

    /// One page of the list the popup shows: the accounts matching `query` (a case-insensitive
    /// part of the seller name, `open_id` or region), those that need attention first, then by
    /// seller name. Returns the page's `open_id`s, how many match, and the counts of all.
    pub fn page(
        &self,
        query: &str,
        offset: usize,
        limit: usize,
        now: i64,
        margin_secs: i64,
        app_key: &str,
    ) -> (Vec<String>, usize, StatusCounts) {
        let needle = crate::lowercase(query.trim());
        let mut counts = StatusCounts::default();
        let mut matching: Vec<crate::SortKey> = Vec::new();
        for (open_id, entry) in &self.entries {
            let status = entry.status(now, margin_secs, app_key);
            counts.add(status);
            let name = crate::lowercase(&entry.seller_name);
            if needle.is_empty()
                || crate::text::contains(&name, &needle)
                || crate::text::contains(&crate::lowercase(open_id), &needle)
                || crate::text::contains(&crate::lowercase(&entry.seller_region), &needle)
            {
                matching.push((i64::from(!status.needs_attention()), name, open_id.clone()));
            }
        }
        let total = matching.len();
        (sorted_ids(matching, offset, limit, true), total, counts)
    }
}
