//! The decoder of create, get and lookup answers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = common::split(data);
    match nicerouter_kling::decode::task_response(status, &headers, body) {
        Ok(task) => common::use_task(&task),
        Err(error) => common::use_error(&error),
    }
    let _ = nicerouter_kling::decode::retry_after(&headers, std::time::SystemTime::now());
});
