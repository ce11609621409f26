//! The transport in front of the fake TikTok: evaluates a request on arrival, then holds it,
//! delays it by scheduler turns, times it out or answers it with a `Date` header.

use super::{FakeTikTok, YieldNow};
use futures::channel::oneshot;
use std::rc::Rc;
use tiktok_shop_connect::client::platform::Transport;
use tiktok_shop_connect::http::{HttpRequest, HttpResponse};
use tiktok_shop_connect::Error;

/// The transport in front of the fake TikTok.
#[derive(Clone)]
pub struct FakeTransport(pub Rc<FakeTikTok>);
impl Transport for FakeTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, Error> {
        let server = &self.0;
        server.requests.borrow_mut().push(request.clone());
        let is_refresh = request.url.contains("/token/refresh");
        let is_api = !request.url.contains("/api/v2/token/");
        // Evaluated on arrival, answered later.
        let result = server.evaluate(&request);
        let hold = if is_api {
            server.hold_next_api.borrow_mut().pop_front()
        } else if is_refresh {
            server.hold_next_refresh.borrow_mut().pop_front()
        } else {
            server.hold_next_token_get.borrow_mut().pop_front()
        };
        if let Some(announce) = hold {
            let (release_tx, release_rx) = oneshot::channel();
            let _ = announce.send(release_tx);
            let _ = release_rx.await;
        }
        YieldNow(if is_refresh {
            server.refresh_latency_turns.get()
        } else {
            server.latency_turns.get()
        })
        .await;
        if is_refresh {
            server.clock.advance_secs(server.refresh_takes_secs.get());
        }
        if is_refresh && server.time_out_next_refresh.replace(false) {
            return Err(Error::Timeout {
                what: "the request".into(),
                after_ms: request.timeout_ms.unwrap_or(0),
            });
        }
        let mut response = result?;
        let date = http_date(server.now());
        response.headers.push(("date".into(), date));
        Ok(response)
    }
}

/// IMF-fixdate of Unix seconds.
pub fn http_date(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ][(m - 1) as usize];
    format!(
        "{weekday}, {d:02} {month} {y} {:02}:{:02}:{:02} GMT",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719468;
    let era = z.div_euclid(146097);
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}
