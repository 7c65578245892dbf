//! The decoder of list answers.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let (status, headers, body) = common::split(data);
    match nicerouter_kling::decode::task_list_response(status, &headers, body) {
        Ok(tasks) => tasks.iter().for_each(common::use_task),
        Err(error) => common::use_error(&error),
    }
});
