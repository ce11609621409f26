//! Secret newtypes: the app secret, access and refresh tokens, and authorization codes.
//!
//! Each wraps a `String`, prints as `Name([redacted])` with `Debug`, has no `Display`, and gives
//! its value only through [`secret()`](AppSecret::secret), so a secret cannot reach a log line,
//! an error message or a `{:?}` by accident.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! secret_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. The only way in: call it where the value is really sent.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}

secret_type!(
    /// The app secret from TikTok Shop Partner Center. Sent in the query of token calls and used
    /// as the HMAC key of request signatures.
    AppSecret
);
secret_type!(
    /// An access token (`x-tts-access-token`), valid about 7 days.
    AccessToken
);
secret_type!(
    /// A refresh token, valid until the end of the authorization the seller chose.
    RefreshToken
);
secret_type!(
    /// A single-use authorization code from the redirect, valid 30 minutes.
    AuthCode
);
