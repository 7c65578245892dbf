//! The callback parser (`Task::from_callback_body`): bodies POSTed to `callback_url`.
#![no_main]

mod common;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    match nicerouter_kling::Task::from_callback_body(data) {
        Ok(task) => common::use_task(&task),
        Err(error) => common::use_error(&error),
    }
});
