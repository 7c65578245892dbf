//! The decoder of error answers (Kling's, relays', proxies' HTML pages).
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = common::split(data);
    common::use_error(&nicerouter_kling::decode::error_response(status, &headers, body));
});
