//! The versioned account store over the platform's key-value [`Store`].
//!
//! - **Versioned writes.** Every record carries a generation. [`AccountStore::write`] re-reads
//!   the record and writes only if its generation is still the one the writer read
//!   (compare-and-swap; writers also hold the account's lock, so the re-read is a second line of
//!   defence for platforms whose lock does not reach every context). A late writer gets
//!   [`WriteError::Conflict`] with what is stored now, and never overwrites it.
//! - **Parsed records in memory.** When the platform delivers storage change events
//!   ([`AccountStore::watch_changes`], then [`AccountStore::note_change`]), records are parsed
//!   once and kept: an API call reads nothing from the store. Without events every use reads.
//! - **Unsaved tokens are kept.** Tokens TikTok issued whose write failed are held here
//!   ([`AccountStore::hold_unsaved`]), used by calls, and written again before each use.
//! - **The index** ([`super::index`]) is loaded once, kept current, and written with the
//!   account writes that change it.

use super::account::{account_key, open_id_of_key, StoredAccount, INDEX_KEY};
use super::index::{AccountIndex, IndexEntry};
use super::platform::Store;
use crate::json::{Map, Value};
use crate::Error;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

/// How many of its own writes per account this instance remembers until their events arrive.
const MAX_PENDING_ECHOES: usize = 16;

/// Why a versioned write did not happen.
#[derive(Debug, Clone)]
pub enum WriteError {
    /// The stored generation is no longer the one the writer read: someone wrote meanwhile.
    /// Holds what is stored now (`None`: the account was removed, or cannot be read).
    Conflict(Option<Rc<StoredAccount>>),
    /// The store failed.
    Failed(Error),
}

/// A stored record as read: parsed, or why it cannot be.
pub type Record = Result<Rc<StoredAccount>, String>;

/// Tokens TikTok issued that the store refused.
#[derive(Debug, Clone)]
struct Unsaved {
    account: Rc<StoredAccount>,
    /// The generation stored when they were issued: they are written over it and nothing else.
    over_generation: Option<u64>,
    reason: String,
}

/// What this instance keeps of one account (one map of these, not a map per kind: each map type
/// costs its own code in the module).
#[derive(Default)]
pub struct Slot {
    /// The parsed record, when kept in memory (only while watching changes).
    cached: Option<Rc<StoredAccount>>,
    /// Tokens the store refused.
    unsaved: Option<Unsaved>,
    /// Generations this instance wrote whose change events have not come back yet.
    echoes: Vec<u64>,
    /// The newest generation known (read, written or heard of).
    latest: Option<u64>,
    /// The last change event was older than what is known (a late event, or a write outside
    /// the protocol): read again before the index is used.
    suspect: bool,
    /// The client's in-process lock of the account (single flight within this instance).
    pub(super) lock: Option<super::LocalLock>,
    /// The client's outcome of the account's last refresh attempt.
    pub(super) round: super::RefreshRound,
}

/// The slots, sorted by `open_id` (a sorted list with binary search, not a `HashMap`: the module
/// then carries no hash table at all).
#[derive(Default)]
struct Slots(Vec<(String, Slot)>);

impl Slots {
    fn position(&self, open_id: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(id, _)| id.as_str().cmp(open_id))
    }

    fn get(&self, open_id: &str) -> Option<&Slot> {
        let at = self.position(open_id).ok()?;
        self.0.get(at).map(|(_, slot)| slot)
    }

    fn get_mut(&mut self, open_id: &str) -> Option<&mut Slot> {
        let at = self.position(open_id).ok()?;
        self.0.get_mut(at).map(|(_, slot)| slot)
    }

    /// The slot of `open_id`, made empty when there is none (`None` is not reached: the slot is
    /// where it was found or put).
    fn find_or_insert(&mut self, open_id: &str) -> Option<&mut Slot> {
        let at = match self.position(open_id) {
            Ok(at) => at,
            Err(at) => {
                self.0.insert(at, (open_id.to_owned(), Slot::default()));
                at
            }
        };
        self.0.get_mut(at).map(|(_, slot)| slot)
    }

    fn iter(&self) -> impl Iterator<Item = &(String, Slot)> {
        self.0.iter()
    }

    fn iter_mut(&mut self) -> impl Iterator<Item = &mut (String, Slot)> {
        self.0.iter_mut()
    }
}

/// The account store. See the module documentation.
pub struct AccountStore<S: Store> {
    store: S,
    watching: Cell<bool>,
    /// Per account, by `open_id`.
    slots: RefCell<Slots>,
    index: RefCell<Option<AccountIndex>>,
    index_dirty: Cell<bool>,
    /// The refresh margin, to compare due times.
    due_margin: Cell<i64>,
}

/// The generation in a raw record (0 when it has none or cannot be read).
fn raw_generation(value: &Value) -> u64 {
    value.get("generation").and_then(Value::as_u64).unwrap_or(0)
}

fn parse_record(value: Value) -> Record {
    StoredAccount::from_value(value)
        .map(Rc::new)
        .map_err(|e| match e {
            Error::Storage(why) => why,
            other => other.to_string(),
        })
}

impl<S: Store> AccountStore<S> {
    /// A store over `store`; no read happens until one is needed.
    pub fn new(store: S) -> Self {
        AccountStore {
            store,
            watching: Cell::new(false),
            slots: RefCell::new(Slots::default()),
            index: RefCell::new(None),
            index_dirty: Cell::new(false),
            due_margin: Cell::new(crate::policy::DEFAULT_REFRESH_MARGIN_SECS),
        }
    }

    /// Runs `f` over an account's slot, made when there is none.
    pub(super) fn slot<T>(&self, open_id: &str, f: impl FnOnce(&mut Slot) -> T) -> T {
        let mut slots = self.slots.borrow_mut();
        let mut unreached = Slot::default();
        // `f` called at one place: it is inlined once.
        f(slots.find_or_insert(open_id).unwrap_or(&mut unreached))
    }

    /// Runs `f` over an account's slot, if it has one (none is made).
    pub(super) fn peek<T>(&self, open_id: &str, f: impl FnOnce(&Slot) -> Option<T>) -> Option<T> {
        self.slots.borrow().get(open_id).and_then(f)
    }

    /// What is in memory for an account: its unsaved tokens first, else its parsed record.
    fn in_memory(&self, open_id: &str) -> Option<Rc<StoredAccount>> {
        self.peek(open_id, |slot| match &slot.unsaved {
            Some(unsaved) => Some(unsaved.account.clone()),
            None => slot.cached.clone(),
        })
    }

    fn forget_cached(&self, open_id: &str) {
        if let Some(slot) = self.slots.borrow_mut().get_mut(open_id) {
            slot.cached = None;
        }
    }

    /// The refresh margin in force (to tell which index changes must be written at once).
    pub fn set_due_margin(&self, margin_secs: i64) {
        self.due_margin.set(margin_secs);
    }

    /// The underlying store (the flow record lives there too).
    pub fn raw(&self) -> &S {
        &self.store
    }

    /// Declares that every change of the store, by any context, will be passed to
    /// [`AccountStore::note_change`]: from then on parsed records are kept in memory.
    pub fn watch_changes(&self) {
        self.watching.set(true);
    }

    /// A change of the store (from any context, this one included): `new_value` is `None` when
    /// the key was removed, and `old_generation` is the generation the change replaced. An echo
    /// of this instance's own write changes nothing. A change older than what is known (events
    /// arrive late, after further writes) is not believed: the record is read again before its
    /// next use. Anything else replaces the record in memory and updates the index.
    pub fn note_change(&self, key: &str, new_value: Option<Value>, old_generation: Option<u64>) {
        let Some(open_id) = open_id_of_key(key) else {
            return;
        };
        let latest = self.peek(open_id, |slot| slot.latest);
        let believed = match &new_value {
            Some(value) => {
                let generation = raw_generation(value);
                let echo = self
                    .slots
                    .borrow_mut()
                    .get_mut(open_id)
                    .and_then(|slot| {
                        let at = slot.echoes.iter().position(|g| *g == generation)?;
                        slot.echoes.remove(at);
                        Some(())
                    })
                    .is_some();
                if echo {
                    return;
                }
                latest.is_none_or(|latest| generation >= latest)
            }
            None => match (latest, old_generation) {
                (Some(latest), Some(old)) => old >= latest,
                _ => true,
            },
        };
        if !believed {
            self.slot(open_id, |slot| {
                slot.cached = None;
                slot.suspect = true;
            });
            return;
        }
        match new_value {
            Some(value) => self.remember(open_id, &parse_record(value)),
            None => {
                if let Some(slot) = self.slots.borrow_mut().get_mut(open_id) {
                    slot.latest = None;
                    slot.cached = None;
                }
                self.index_update(open_id, None);
            }
        }
    }

    /// Keeps what was just read of an account (`None`: nothing is stored) in memory and in the
    /// index; returns the record, parsed. One copy for every reader.
    #[inline(never)]
    fn adopt(&self, open_id: &str, stored: Option<Value>) -> Option<Record> {
        match stored {
            None => {
                self.forget_cached(open_id);
                self.index_update(open_id, None);
                None
            }
            Some(value) => {
                let record = parse_record(value);
                self.remember(open_id, &record);
                Some(record)
            }
        }
    }

    /// Keeps a freshly read record in memory and in the index.
    fn remember(&self, open_id: &str, record: &Record) {
        let watching = self.watching.get();
        self.slot(open_id, |slot| {
            slot.suspect = false;
            if let Ok(account) = record {
                // What was read or believed is the truth, even below an earlier generation.
                slot.latest = Some(account.generation);
            }
            slot.cached = match record {
                Ok(account) if watching => Some(account.clone()),
                _ => None,
            };
        });
        let entry = match record {
            Ok(account) => IndexEntry::of(account),
            Err(why) => IndexEntry::damaged(why),
        };
        self.index_update(open_id, Some(entry));
    }

    fn index_update(&self, open_id: &str, entry: Option<IndexEntry>) {
        let mut index = self.index.borrow_mut();
        let Some(index) = index.as_mut() else {
            return;
        };
        let changed = match entry {
            Some(entry) => index.set(open_id, entry),
            None => index.remove(open_id),
        };
        if changed {
            self.index_dirty.set(true);
        }
    }

    // ----- reads -------------------------------------------------------------------------------

    /// An account for use: unsaved tokens first, then the record in memory, else one read.
    pub async fn account(&self, open_id: &str) -> Result<Rc<StoredAccount>, Error> {
        if let Some(account) = self.in_memory(open_id) {
            return Ok(account);
        }
        self.read(open_id)
            .await?
            .ok_or_else(|| Error::UnknownAccount(open_id.to_owned()))
    }

    /// Reads an account from the store (under its lock: what is really stored now).
    /// `Ok(None)`: no such account.
    pub async fn read(&self, open_id: &str) -> Result<Option<Rc<StoredAccount>>, Error> {
        let stored = self.read_raw(open_id).await?;
        match self.adopt(open_id, stored) {
            None => Ok(None),
            Some(record) => record.map(Some).map_err(|why| {
                Error::Storage(format!("the stored account {open_id} is damaged: {why}"))
            }),
        }
    }

    /// The generation of what is stored for an account, a damaged record included (0 when it
    /// has none); `None` when nothing is stored. What a writer that replaces the record
    /// whatever it is (a new grant, a confirmed import) writes over.
    pub async fn stored_generation(&self, open_id: &str) -> Result<Option<u64>, Error> {
        Ok(self.read_raw(open_id).await?.as_ref().map(raw_generation))
    }

    async fn read_raw(&self, open_id: &str) -> Result<Option<Value>, Error> {
        let key = account_key(open_id);
        let mut items = self.store.get(Some(std::slice::from_ref(&key))).await?;
        Ok(items.remove(&key).filter(|v| !v.is_null()))
    }

    /// The records of `open_ids` (those in memory without a read; the rest in one read).
    pub async fn records(&self, open_ids: &[String]) -> Result<Vec<(String, Record)>, Error> {
        let mut missing: Vec<String> = Vec::new();
        for open_id in open_ids {
            if self.in_memory(open_id).is_none() {
                missing.push(account_key(open_id));
            }
        }
        let mut read = if missing.is_empty() {
            Map::new()
        } else {
            self.store.get(Some(&missing)).await?
        };
        let mut out = Vec::with_capacity(open_ids.len());
        for open_id in open_ids {
            if let Some(account) = self.in_memory(open_id) {
                out.push((open_id.clone(), Ok(account)));
                continue;
            }
            let stored = read.remove(&account_key(open_id)).filter(|v| !v.is_null());
            if let Some(record) = self.adopt(open_id, stored) {
                out.push((open_id.clone(), record));
            }
        }
        Ok(out)
    }

    /// Every stored account (one read of the whole store), unsaved tokens in place of what is
    /// stored. Unreadable records are listed with the reason.
    pub async fn all(&self) -> Result<Vec<(String, Record)>, Error> {
        let items = self.store.get(None).await?;
        let mut out = Vec::new();
        let mut index = AccountIndex::default();
        for (key, value) in items {
            let Some(open_id) = open_id_of_key(&key) else {
                continue;
            };
            if value.is_null() {
                continue;
            }
            let unsaved = self.peek(open_id, |slot| {
                slot.unsaved.as_ref().map(|unsaved| unsaved.account.clone())
            });
            let record = match unsaved {
                Some(account) => Ok(account),
                None => parse_record(value),
            };
            if let (Ok(account), true) = (&record, self.watching.get()) {
                self.slot(open_id, |slot| slot.cached = Some(account.clone()));
            }
            index.set(
                open_id,
                match &record {
                    Ok(account) => IndexEntry::of(account),
                    Err(why) => IndexEntry::damaged(why),
                },
            );
            out.push((open_id.to_owned(), record));
        }
        let mut current = self.index.borrow_mut();
        if current.as_ref() != Some(&index) {
            *current = Some(index);
            self.index_dirty.set(true);
        }
        Ok(out)
    }

    // ----- the index ---------------------------------------------------------------------------

    /// Loads the index once: the stored one, checked against the store's keys where the store
    /// can list them cheaply; rebuilt from every account when it is missing or unreadable.
    pub async fn load_index(&self) -> Result<(), Error> {
        if self.index.borrow().is_some() {
            return Ok(());
        }
        let stored = match self.store.get_text(INDEX_KEY).await? {
            Some(text) => AccountIndex::from_text(&text),
            None => None,
        };
        // Each inner future awaited at one place (each await site costs its own code): what to
        // read is decided first, then read, then the index written if it changed.
        let unknown = match stored {
            // Missing or unreadable: rebuild (this reads every account, once).
            None => {
                self.all().await?;
                Vec::new()
            }
            Some(index) => {
                let keys = self.store.keys().await?;
                self.adopt_index(index, keys)
            }
        };
        if !unknown.is_empty() {
            self.records(&unknown).await?;
        }
        self.flush_index().await
    }

    /// Keeps the stored index, checked against the store's keys when the store listed them:
    /// entries of removed accounts dropped, and the ids of accounts it lacks returned (to be
    /// read). Marks it to be written when it differed from the store.
    fn adopt_index(&self, mut index: AccountIndex, keys: Option<Vec<String>>) -> Vec<String> {
        let (unknown, removed) = match keys {
            Some(keys) => index.reconcile(&keys),
            None => (Vec::new(), false),
        };
        *self.index.borrow_mut() = Some(index);
        if removed || !unknown.is_empty() {
            self.index_dirty.set(true);
        }
        unknown
    }

    /// Runs `f` over the index as it is in memory (after [`AccountStore::current_index`]): a
    /// plain function, so a caller awaits one future, not a future per closure (each caller
    /// awaits `current_index` and then calls this).
    pub fn indexed<T>(&self, f: impl FnOnce(&AccountIndex) -> T) -> T {
        let index = self.index.borrow();
        match index.as_ref() {
            Some(index) => f(index),
            None => f(&AccountIndex::default()),
        }
    }

    /// Loads the index, and reads again the accounts whose last change event was not believed.
    pub async fn current_index(&self) -> Result<(), Error> {
        self.load_index().await?;
        let mut suspects: Vec<String> = Vec::new();
        for (open_id, slot) in self.slots.borrow_mut().iter_mut() {
            if slot.suspect {
                slot.suspect = false;
                suspects.push(open_id.clone());
            }
        }
        if !suspects.is_empty() {
            self.records(&suspects).await?;
        }
        Ok(())
    }

    /// Whether the index in memory differs from the stored one.
    pub fn index_dirty(&self) -> bool {
        self.index_dirty.get()
    }

    /// Writes the index if it changed since it was last written.
    pub async fn flush_index(&self) -> Result<(), Error> {
        if !self.index_dirty.get() {
            return Ok(());
        }
        let Some(value) = self.index.borrow().as_ref().map(AccountIndex::to_value) else {
            return Ok(());
        };
        let mut items = Map::new();
        items.insert(INDEX_KEY.to_owned(), value);
        self.store.set(items).await?;
        self.index_dirty.set(false);
        Ok(())
    }

    // ----- writes ------------------------------------------------------------------------------

    /// Writes `account` if the stored generation is still `expected` (`None`: no account is
    /// stored), as generation `expected + 1`, with `extra` items in the same store write (the
    /// index goes along when it changed). Returns the record as written.
    pub async fn write(
        &self,
        expected: Option<u64>,
        mut account: StoredAccount,
        extra: Map,
    ) -> Result<Rc<StoredAccount>, WriteError> {
        let open_id = account.tokens.open_id.clone();
        let key = account_key(&open_id);
        let current = self.read_raw(&open_id).await.map_err(WriteError::Failed)?;
        let current_generation = current.as_ref().map(raw_generation);
        if current_generation != expected {
            let now_stored = self.adopt(&open_id, current).and_then(Result::ok);
            return Err(WriteError::Conflict(now_stored));
        }
        account.schema_version = super::account::ACCOUNT_SCHEMA_VERSION;
        // A new record starts from the generation its writer chose (the time, in ms: generations
        // keep growing across a disconnect and a new connect, so late events stay recognisable).
        account.generation = match expected {
            Some(g) => g.saturating_add(1),
            None => account.generation.max(1),
        };
        let value = account.to_value().map_err(WriteError::Failed)?;
        let mut items = extra;
        items.insert(key, value);
        // The index entry this write makes, written along when it changes the index.
        // Loaded if it can be; a write must not fail for the index's sake.
        let _ = self.load_index().await;
        let entry = IndexEntry::of(&account);
        // The stored index is written along only when leaving it behind could make it miss
        // something (a new account, a new name or status, an earlier due time). A later due time
        // (after a refresh) can lag: it costs the scheduler one read, and the index is written at
        // the end of the next scheduled round.
        let margin = self.due_margin.get();
        let index_value = {
            let index = self.index.borrow();
            index.as_ref().and_then(|index| {
                index
                    .get(&open_id)
                    .is_none_or(|old| old.must_persist(&entry, margin))
                    .then(|| {
                        let mut next = index.clone();
                        next.set(&open_id, entry.clone());
                        next.to_value()
                    })
            })
        };
        let with_index = index_value.is_some();
        if let Some(value) = index_value {
            items.insert(INDEX_KEY.to_owned(), value);
        }
        self.store.set(items).await.map_err(WriteError::Failed)?;
        let account = Rc::new(account);
        let watching = self.watching.get();
        self.slot(&open_id, |slot| {
            slot.latest = Some(account.generation);
            if watching {
                // A store whose events never echo this context's writes must not grow this
                // forever.
                if slot.echoes.len() >= MAX_PENDING_ECHOES {
                    slot.echoes.remove(0);
                }
                slot.echoes.push(account.generation);
                slot.cached = Some(account.clone());
            }
            slot.unsaved = None;
        });
        let changed = self
            .index
            .borrow_mut()
            .as_mut()
            .is_some_and(|index| index.set(&open_id, entry));
        if with_index {
            self.index_dirty.set(false);
        } else if changed {
            self.index_dirty.set(true);
        }
        Ok(account)
    }

    /// Removes an account.
    pub async fn remove(&self, open_id: &str) -> Result<(), Error> {
        self.store.remove(&[account_key(open_id)]).await?;
        if let Some(slot) = self.slots.borrow_mut().get_mut(open_id) {
            slot.cached = None;
            slot.unsaved = None;
            slot.echoes.clear();
            slot.latest = None;
        }
        self.index_update(open_id, None);
        self.flush_index().await
    }

    // ----- unsaved tokens ----------------------------------------------------------------------

    /// Keeps tokens the store refused, to be written over `over_generation` later.
    pub fn hold_unsaved(&self, account: StoredAccount, over_generation: Option<u64>, reason: &str) {
        let open_id = account.tokens.open_id.clone();
        let unsaved = Unsaved {
            account: Rc::new(account),
            over_generation,
            reason: reason.to_owned(),
        };
        self.slot(&open_id, |slot| slot.unsaved = Some(unsaved));
    }

    /// Whether an account has tokens only in memory, and why.
    pub fn unsaved_reason(&self, open_id: &str) -> Option<String> {
        self.peek(open_id, |slot| {
            slot.unsaved.as_ref().map(|u| u.reason.clone())
        })
    }

    /// Tries to write an account's unsaved tokens. `Ok(())` when there are none, when they were
    /// written, or when a newer record was stored meanwhile (a reconnect: it wins).
    pub async fn flush_unsaved(&self, open_id: &str) -> Result<(), Error> {
        let Some(unsaved) = self.peek(open_id, |slot| slot.unsaved.clone()) else {
            return Ok(());
        };
        match self
            .write(
                unsaved.over_generation,
                (*unsaved.account).clone(),
                Map::new(),
            )
            .await
        {
            Ok(_) => Ok(()),
            Err(WriteError::Conflict(_)) => {
                if let Some(slot) = self.slots.borrow_mut().get_mut(open_id) {
                    slot.unsaved = None;
                }
                Ok(())
            }
            Err(WriteError::Failed(error)) => {
                let reason = error.to_string();
                if let Some(u) = self
                    .slots
                    .borrow_mut()
                    .get_mut(open_id)
                    .and_then(|slot| slot.unsaved.as_mut())
                {
                    u.reason = reason.clone();
                }
                Err(Error::TokensNotSaved {
                    open_id: open_id.to_owned(),
                    reason,
                })
            }
        }
    }

    /// The accounts with unsaved tokens.
    pub fn unsaved_ids(&self) -> Vec<String> {
        let mut ids = Vec::new();
        for (open_id, slot) in self.slots.borrow().iter() {
            if slot.unsaved.is_some() {
                ids.push(open_id.clone());
            }
        }
        ids
    }
}
