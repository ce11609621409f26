//! The store JS passes in (`chrome.storage.local` or an object of its shape), declared as a
//! typed interface, its implementation of the client's [`Store`], and its `onChanged` event
//! feeding the client's cache.

use super::errors::js_to_error;
use super::{await_promise, js_json, JsSleep};
use crate::client::platform::{Sleep, Store};
use crate::client::Client;
use crate::json::{Map, Value};
use crate::Error;
use js_sys::{Array, Function, Object};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/src/wasm/glue.js")]
extern "C" {
    /// The name of the first of `get`, `set`, `remove` the object lacks, if any. A lookup in
    /// JS: one call, no `Reflect.get` per name from the module.
    #[wasm_bindgen(js_name = ttsMissingMethod)]
    fn tts_missing_method(store: &StoreObject) -> Option<String>;

    /// `items[key]` when it is a string.
    #[wasm_bindgen(js_name = ttsTextOf)]
    fn tts_text_of(items: &JsValue, key: &str) -> Option<String>;

    /// The changes of keys starting with `prefix` in a `storage.onChanged` event, flat:
    /// `[key, newValue, oldValue.generation, …]` (one call, not a `Reflect.get` per field).
    #[wasm_bindgen(js_name = ttsChanges)]
    fn tts_changes(changes: &JsValue, prefix: &str) -> Array;
}

#[wasm_bindgen]
extern "C" {
    /// `chrome.storage.local` or any object of its shape (`TikTokShopStore` in the
    /// declarations). Its methods may answer with a promise or a plain value.
    #[wasm_bindgen(typescript_type = "TikTokShopStore")]
    #[derive(Clone)]
    pub type StoreObject;

    /// `get(keys)`: the items of those keys (all with `null`).
    #[wasm_bindgen(method, catch)]
    fn get(this: &StoreObject, keys: &JsValue) -> Result<JsValue, JsValue>;

    /// `set(items)`.
    #[wasm_bindgen(method, catch)]
    fn set(this: &StoreObject, items: &JsValue) -> Result<JsValue, JsValue>;

    /// `remove(keys)`.
    #[wasm_bindgen(method, catch)]
    fn remove(this: &StoreObject, keys: &JsValue) -> Result<JsValue, JsValue>;

    /// `getKeys()` (Chrome 130+): the keys without the values.
    #[wasm_bindgen(method, catch, js_name = getKeys)]
    fn get_keys(this: &StoreObject) -> Result<JsValue, JsValue>;

    /// The `getKeys` property, to know whether there is one.
    #[wasm_bindgen(method, getter = getKeys)]
    fn get_keys_property(this: &StoreObject) -> JsValue;

    /// The `onChanged` event, where there is one.
    #[wasm_bindgen(method, getter = onChanged)]
    pub fn on_changed(this: &StoreObject) -> JsValue;

    /// `chrome.storage`'s change event.
    pub type ChangeEvent;

    /// `addListener(listener)`.
    #[wasm_bindgen(method, catch, js_name = addListener)]
    fn add_listener(this: &ChangeEvent, listener: &Function) -> Result<(), JsValue>;

    /// `removeListener(listener)`.
    #[wasm_bindgen(method, catch, js_name = removeListener)]
    pub fn remove_listener(this: &ChangeEvent, listener: &Function) -> Result<(), JsValue>;
}

impl StoreObject {
    /// Whether the store is shared with other contexts: it announces their changes.
    pub fn has_change_events(&self) -> bool {
        self.on_changed().is_object()
    }

    /// The first of `get`, `set`, `remove` the object lacks (the list is `glue.js`'s alone).
    pub fn missing_method(&self) -> Option<String> {
        tts_missing_method(self)
    }
}

/// The keys as a JS array (a plain loop: an iterator chain is code of its own).
fn key_array(keys: &[String]) -> JsValue {
    let array = Array::new();
    for key in keys {
        array.push(&JsValue::from_str(key));
    }
    array.into()
}

/// The JS store as the client's [`Store`].
#[derive(Clone)]
pub struct JsStore(pub StoreObject);

impl Store for JsStore {
    async fn get(&self, keys: Option<&[String]>) -> Result<Map, Error> {
        let arg = keys.map_or(JsValue::NULL, key_array);
        let called = self.0.get(&arg).map_err(|e| js_to_error(e, "store.get"))?;
        let items = await_promise(called, "store.get").await?;
        match js_json(&items, "the stored items").map_err(|e| Error::Storage(e.to_string()))? {
            Value::Object(items) => Ok(items),
            Value::Null => Ok(Map::new()),
            _ => Err(Error::Storage(
                "store.get answered with something other than an object".to_owned(),
            )),
        }
    }

    async fn set(&self, items: Map) -> Result<(), Error> {
        let text = items.to_json();
        let arg = js_sys::JSON::parse(&text).map_err(|e| js_to_error(e, "JSON.parse"))?;
        let called = self.0.set(&arg).map_err(|e| js_to_error(e, "store.set"))?;
        await_promise(called, "store.set").await.map(|_| ())
    }

    async fn remove(&self, keys: &[String]) -> Result<(), Error> {
        let called = self
            .0
            .remove(&key_array(keys))
            .map_err(|e| js_to_error(e, "store.remove"))?;
        await_promise(called, "store.remove").await.map(|_| ())
    }

    async fn get_text(&self, key: &str) -> Result<Option<String>, Error> {
        let called = self
            .0
            .get(&JsValue::from_str(key))
            .map_err(|e| js_to_error(e, "store.get"))?;
        let items = await_promise(called, "store.get").await?;
        Ok(tts_text_of(&items, key))
    }

    async fn keys(&self) -> Result<Option<Vec<String>>, Error> {
        if !self.0.get_keys_property().is_function() {
            return Ok(None);
        }
        let called = self
            .0
            .get_keys()
            .map_err(|e| js_to_error(e, "store.getKeys"))?;
        let keys = await_promise(called, "store.getKeys").await?;
        let keys = Array::from(&keys);
        let mut out = Vec::new();
        for at in 0..keys.length() {
            if let Some(key) = keys.get(at).as_string() {
                out.push(key);
            }
        }
        Ok(Some(out))
    }
}

/// How long after a burst of changes by other contexts the index is written.
const INDEX_FLUSH_DELAY_MS: u32 = 1000;

/// A subscribed `onChanged` event and the listener added to it (removed on drop).
pub struct ChangeListener {
    event: ChangeEvent,
    listener: Closure<dyn FnMut(JsValue)>,
}

impl Drop for ChangeListener {
    fn drop(&mut self) {
        let _ = self
            .event
            .remove_listener(self.listener.as_ref().unchecked_ref());
    }
}

/// Passes `store.onChanged` events (`{ key: { oldValue, newValue } }`) for account keys to the
/// client, which then keeps parsed accounts in memory; schedules the index's write once per
/// burst of other contexts' changes.
pub fn listen_to_changes<P: crate::client::platform::Platform + 'static>(
    store: &StoreObject,
    client: &Rc<Client<P>>,
) -> Option<ChangeListener> {
    let event: ChangeEvent = store
        .on_changed()
        .dyn_into::<Object>()
        .ok()?
        .unchecked_into();
    let weak = Rc::downgrade(client);
    let flush_scheduled = Rc::new(Cell::new(false));
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |changes: JsValue| {
        let Some(client) = weak.upgrade() else {
            return;
        };
        let changed = tts_changes(&changes, crate::client::account::ACCOUNT_KEY_PREFIX);
        let mut at = 0;
        while let Some(key) = changed.get(at).as_string() {
            let new_value = changed.get(at + 1);
            let old_generation = changed.get(at + 2).as_f64().map(|g| g as u64);
            at += 3;
            let value = if new_value.is_undefined() || new_value.is_null() {
                None
            } else {
                // An unreadable value is kept as null: the store lists it as damaged.
                Some(js_json(&new_value, "the changed record").unwrap_or(Value::Null))
            };
            client.note_store_change(&key, value, old_generation);
        }
        // Changes other contexts made reach the stored index once per burst, a second later.
        if client.index_needs_flush() && !flush_scheduled.replace(true) {
            let weak = Rc::downgrade(&client);
            let flush_scheduled = flush_scheduled.clone();
            wasm_bindgen_futures::spawn_local(async move {
                JsSleep.sleep(INDEX_FLUSH_DELAY_MS).await;
                flush_scheduled.set(false);
                if let Some(client) = weak.upgrade() {
                    let _ = client.flush_index().await;
                }
            });
        }
    });
    event.add_listener(listener.as_ref().unchecked_ref()).ok()?;
    client.watch_store_changes();
    Some(ChangeListener { event, listener })
}
