//! An in-memory `chrome.storage.local`: counts reads and writes, can fail writes, and logs every
//! change for delivery to clients (as `storage.onChanged` does).

use super::YieldNow;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use tiktok_shop_connect::client::platform::{Platform, Store};
use tiktok_shop_connect::client::Client;
use tiktok_shop_connect::json::{Map, Value};
use tiktok_shop_connect::Error;

/// Keys written (with the value) or removed (`None`), in order.
pub type ChangeLog = Vec<(String, Option<Value>)>;

#[derive(Clone, Default)]
pub struct MemoryStore {
    pub items: Rc<RefCell<Map>>,
    pub writes: Rc<Cell<u32>>,
    pub reads: Rc<Cell<u32>>,
    pub fail_writes: Rc<Cell<bool>>,
    /// Fail only the writes that hold an account record.
    pub fail_account_writes: Rc<Cell<bool>>,
    /// Every change, in order (like `storage.onChanged`), for [`MemoryStore::deliver`].
    pub log: Rc<RefCell<ChangeLog>>,
}
impl MemoryStore {
    /// An item, as a `serde_json` value.
    pub fn get_item(&self, key: &str) -> Option<serde_json::Value> {
        self.items.borrow().get(key).map(super::theirs)
    }
    /// Delivers the changes logged since `from` to a client (as `storage.onChanged` would);
    /// returns where the next delivery starts.
    pub fn deliver<P: Platform>(&self, client: &Client<P>, from: usize) -> usize {
        let log = self.log.borrow();
        for (i, (key, value)) in log.iter().enumerate().skip(from) {
            // The generation this change replaced: the last earlier value of the key.
            let old_generation = log
                .iter()
                .take(i)
                .rev()
                .find(|(k, _)| k == key)
                .and_then(|(_, v)| v.as_ref())
                .and_then(|v| v.get("generation"))
                .and_then(Value::as_u64);
            client.note_store_change(key, value.clone(), old_generation);
        }
        log.len()
    }
}
impl Store for MemoryStore {
    async fn get(&self, keys: Option<&[String]>) -> Result<Map, Error> {
        YieldNow(1).await;
        self.reads.set(self.reads.get() + 1);
        let items = self.items.borrow();
        Ok(match keys {
            None => items.clone(),
            Some(keys) => keys
                .iter()
                .filter_map(|k| items.get(k).map(|v| (k.clone(), v.clone())))
                .collect(),
        })
    }
    async fn set(&self, new_items: Map) -> Result<(), Error> {
        YieldNow(1).await;
        if self.fail_writes.get()
            || (self.fail_account_writes.get()
                && new_items.keys().any(|k| k.starts_with("tts:account:")))
        {
            return Err(Error::Storage("quota exceeded".into()));
        }
        self.writes.set(self.writes.get() + 1);
        for (k, v) in &new_items {
            self.log.borrow_mut().push((k.clone(), Some(v.clone())));
        }
        self.items.borrow_mut().extend(new_items);
        Ok(())
    }
    async fn remove(&self, keys: &[String]) -> Result<(), Error> {
        YieldNow(1).await;
        let mut items = self.items.borrow_mut();
        for k in keys {
            items.remove(k);
            self.log.borrow_mut().push((k.clone(), None));
        }
        Ok(())
    }
}
