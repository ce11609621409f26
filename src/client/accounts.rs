//! Listing accounts (all, a page, the overview), disconnecting, and moving tokens in and out as
//! Chilkat's `tiktok-shops.json`.

use super::account::AccountSummary;
use super::index::{Overview, StatusCounts};
use super::platform::{Lock, Platform};
use super::store::WriteError;
use super::{account_lock_name, Client};
use crate::chilkat::{export_chilkat_json, import_chilkat_json};
use crate::json::Map;
use crate::Error;

/// Which page of the account list to show.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct PageRequest {
    /// A case-insensitive part of the seller name, `open_id` or region; empty: every account.
    #[cfg_attr(test, ts(as = "Option<String>", optional))]
    pub query: String,
    /// How many matching accounts to skip.
    #[cfg_attr(test, ts(as = "Option<usize>", optional))]
    pub offset: usize,
    /// How many to return.
    #[cfg_attr(test, ts(as = "Option<usize>", optional))]
    pub limit: usize,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            query: String::new(),
            offset: 0,
            limit: 50,
        }
    }
}

impl crate::config::FromInput for PageRequest {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        let default = PageRequest::default();
        Ok(PageRequest {
            query: input.string("query")?,
            offset: input.count("offset", default.offset)?,
            limit: input.count("limit", default.limit)?,
        })
    }
}

/// A page of the account list.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct AccountsPage {
    /// The page: those needing attention first, then by seller name.
    pub accounts: Vec<AccountSummary>,
    /// How many accounts are stored.
    pub total: u32,
    /// How many match the query.
    pub matching: u32,
    /// All accounts by status.
    pub counts: StatusCounts,
}

/// Options of [`Client::import_chilkat_json`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[cfg_attr(test, ts(rename_all = "camelCase"))]
pub struct ImportOptions {
    /// Replace stored tokens of the same seller even when they are newer than the imported ones
    /// (the person confirmed it).
    #[cfg_attr(test, ts(as = "Option<bool>", optional))]
    pub replace_newer: bool,
}

impl crate::config::FromInput for ImportOptions {
    fn read(input: &mut crate::config::Input) -> Result<Self, String> {
        Ok(ImportOptions {
            replace_newer: input.flag("replaceNewer")?,
        })
    }
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(test, derive(ts_rs::TS))]
pub struct ImportOutcome {
    /// The account as it is now.
    pub account: AccountSummary,
    /// Whether the imported access token had expired and was refreshed at once.
    pub refreshed: bool,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl<P: Platform> Client<P> {
    /// Every stored account, without secrets, sorted by seller name: reads the whole store, so
    /// use [`Client::accounts_page`] for lists that can be long. Unreadable records are listed
    /// as damaged, with the reason, never hidden and never deleted.
    pub async fn accounts(&self) -> Result<Vec<AccountSummary>, Error> {
        // Each error redacted where it arises (`out`), not by an async block around the body:
        // one state machine fewer in the module.
        let records = self.out(self.store.all().await)?;
        // By seller name, then `open_id` (the summary's): the records sorted by those keys and
        // summarised in that order (no sort of the summaries themselves: one sort in the module),
        // in plain loops (each chain of iterator adapters is code of its own).
        let mut keys = Vec::with_capacity(records.len());
        for (open_id, record) in &records {
            keys.push(match record {
                Ok(account) => (
                    0,
                    account.tokens.seller_name.clone(),
                    account.tokens.open_id.clone(),
                ),
                Err(_) => (0, String::new(), open_id.clone()),
            });
        }
        let mut summaries = Vec::with_capacity(records.len());
        for (_, at) in crate::sort_keys(keys) {
            if let Some((open_id, record)) = records.get(at) {
                summaries.push(self.summary_of(open_id, record));
            }
        }
        let _ = self.store.flush_index().await;
        Ok(summaries)
    }

    /// One page of the account list (see [`PageRequest`]): chosen from the index, so only the
    /// page's records are read (and only those not already in memory).
    pub async fn accounts_page(&self, request: &PageRequest) -> Result<AccountsPage, Error> {
        let now = self.now();
        let margin = self.config.refresh_margin_secs;
        let app_key = self.config.app.app_key();
        let loaded = self.store.current_index().await;
        let page = loaded.map(|()| {
            self.store.indexed(|index| {
                let (ids, matching, _) = index.page(
                    &request.query,
                    request.offset,
                    request.limit,
                    now,
                    margin,
                    app_key,
                );
                (ids, matching)
            })
        });
        let (ids, matching) = self.out(page)?;
        let records = self.out(self.store.records(&ids).await)?;
        let mut accounts = Vec::with_capacity(records.len());
        for (open_id, record) in &records {
            accounts.push(self.summary_of(open_id, record));
        }
        // Counted after the page's records were read: reading may have found one changed or
        // damaged.
        let loaded = self.store.current_index().await;
        let counted = loaded.map(|()| {
            self.store
                .indexed(|index| (index.overview(now, margin, app_key).counts, index.len()))
        });
        let (counts, total) = self.out(counted)?;
        Ok(AccountsPage {
            accounts,
            total: count(total),
            matching: count(matching),
            counts,
        })
    }

    /// Counts by status, the sellers that need attention and the next due refresh, from the
    /// index alone (for the toolbar badge; no account is read).
    pub async fn overview(&self) -> Result<Overview, Error> {
        let now = self.now();
        let margin = self.config.refresh_margin_secs;
        let app_key = self.config.app.app_key();
        let loaded = self.store.current_index().await;
        let overview = loaded.map(|()| {
            self.store
                .indexed(|index| index.overview(now, margin, app_key))
        });
        self.out(overview)
    }

    /// What pages see of a record as read: its summary, or that it is damaged and why.
    fn summary_of(&self, open_id: &str, record: &super::store::Record) -> AccountSummary {
        match record {
            Ok(account) => self.summary(account),
            Err(why) => AccountSummary::damaged(open_id, why),
        }
    }

    /// Removes an account, at once, whatever is in flight: a refresh that finishes later finds
    /// the record gone (its versioned write fails) and cannot bring the account back.
    pub async fn disconnect(&self, open_id: &str) -> Result<(), Error> {
        self.out(self.store.remove(open_id).await)
    }

    /// Imports Chilkat's `tiktok-shops.json` as an account of this app. Everything is checked
    /// before the store is touched (expiries JavaScript can hold, a UTF-8 BOM accepted); tokens
    /// older than the stored ones of the same seller are refused with
    /// [`Error::NewerTokensStored`] unless `replace_newer`. If the access token has expired
    /// (files saved by older tools often are stale) it is refreshed at once; a failed refresh
    /// still keeps the imported account (marked when it needs a reconnect).
    pub async fn import_chilkat_json(
        &self,
        text: &str,
        options: ImportOptions,
    ) -> Result<ImportOutcome, Error> {
        // Each error redacted where it arises (`out`), as in `accounts`.
        let tokens = self.out(import_chilkat_json(text))?;
        self.remember_tokens(&tokens);
        let now = self.now();
        let open_id = tokens.open_id.clone();
        let needs_refresh = now >= tokens.access_token_expires_at;
        {
            let local = self.local_lock(&open_id);
            let _local = local.lock().await;
            let guard = self.lock.acquire(&account_lock_name(&open_id)).await;
            let _guard = self.out(guard)?;
            let stored = self.store.read(&open_id).await;
            let over = import_over(&stored, &tokens, options.replace_newer);
            drop(stored);
            let expected = match self.out(over)? {
                ImportOver::Same => None,
                ImportOver::Generation(expected) => Some(expected),
                ImportOver::Damaged => {
                    let stored = self.store.stored_generation(&open_id).await;
                    Some(self.out(stored)?)
                }
            };
            // `None`: the same tokens are stored already.
            if let Some(expected) = expected {
                let mut account = self.new_account(tokens, now);
                // Imported tokens were issued at an unknown time: no half-life limit.
                account.tokens_received_at = None;
                let written = match self.store.write(expected, account, Map::new()).await {
                    Ok(_) => Ok(()),
                    Err(WriteError::Conflict(_)) => Err(Error::Storage(
                        "the account changed while importing; import again".to_owned(),
                    )),
                    Err(WriteError::Failed(error)) => Err(error),
                };
                self.out(written)?;
            }
        }
        if needs_refresh {
            match self.refresh_account(&open_id, None).await {
                Ok(account) => {
                    return Ok(ImportOutcome {
                        account: self.summary(&account),
                        refreshed: true,
                    })
                }
                // Kept, marked as needing a reconnect: shown as it is now.
                Err(error) if error.needs_reconnect() => {}
                Err(error) => return self.out(Err(error)),
            }
        }
        let account = self.out(self.account(&open_id).await)?;
        Ok(ImportOutcome {
            account: self.summary(&account),
            refreshed: false,
        })
    }

    /// The account's tokens as Chilkat's `tiktok-shops.json` (contains the tokens: a file for
    /// the user, never for a web page).
    pub async fn export_chilkat_json(&self, open_id: &str) -> Result<String, Error> {
        let account = self.account(open_id).await;
        self.out(account.map(|account| export_chilkat_json(&account.tokens)))
    }
}

/// What an import writes over, decided from what is stored (read under the account's lock).
enum ImportOver {
    /// The same tokens are stored: nothing to write.
    Same,
    /// The stored generation (`None`: no account is stored).
    Generation(Option<u64>),
    /// A record that cannot be read, which the person confirmed to replace.
    Damaged,
}

/// What an import of `tokens` writes over, given what is `current`ly stored; refused with
/// [`Error::NewerTokensStored`] when the stored tokens are newer or the record cannot be read,
/// unless `replace_newer`. A plain function: the import's future awaits once per store call.
fn import_over(
    current: &Result<Option<std::rc::Rc<super::account::StoredAccount>>, Error>,
    tokens: &crate::token::TokenSet,
    replace_newer: bool,
) -> Result<ImportOver, Error> {
    match current {
        Ok(Some(stored)) => {
            if stored.tokens.access_token == tokens.access_token
                && stored.tokens.refresh_token == tokens.refresh_token
                && stored.tokens.access_token_expires_at == tokens.access_token_expires_at
                && stored.tokens.refresh_token_expires_at == tokens.refresh_token_expires_at
            {
                return Ok(ImportOver::Same);
            }
            if !replace_newer {
                if let Some(detail) = newer_detail(&stored.tokens, tokens) {
                    return Err(Error::NewerTokensStored {
                        open_id: tokens.open_id.clone(),
                        detail,
                    });
                }
            }
            Ok(ImportOver::Generation(Some(stored.generation)))
        }
        Ok(None) => Ok(ImportOver::Generation(None)),
        // A damaged record is replaced only when the person confirms it.
        Err(error) => {
            if !replace_newer {
                return Err(Error::NewerTokensStored {
                    open_id: tokens.open_id.clone(),
                    detail: format!("the stored record cannot be read: {error}"),
                });
            }
            Ok(ImportOver::Damaged)
        }
    }
}

/// Why the stored tokens are newer than the imported ones, if they are.
fn newer_detail(
    stored: &crate::token::TokenSet,
    imported: &crate::token::TokenSet,
) -> Option<String> {
    use crate::error::utc_minutes;
    // One sentence with the words that differ (one `format!` in the module, not one per case).
    let (what, at_stored, at_imported) =
        if stored.refresh_token_expires_at > imported.refresh_token_expires_at {
            (
                "the stored authorization lasts",
                stored.refresh_token_expires_at,
                imported.refresh_token_expires_at,
            )
        } else if stored.refresh_token_expires_at == imported.refresh_token_expires_at
            && stored.access_token_expires_at > imported.access_token_expires_at
        {
            (
                "the stored access token is good",
                stored.access_token_expires_at,
                imported.access_token_expires_at,
            )
        } else {
            return None;
        };
    Some(format!(
        "{what} until {}, the file's until {}",
        utc_minutes(at_stored),
        utc_minutes(at_imported)
    ))
}
