//! The generated client's request for every operation, sent to a Prism mock of the spec, is
//! accepted with no violation (Prism reports violations in its `sl-violations` header).
//!
//! Needs Prism: `tools/contract/ci.sh` starts it and runs this test with `PRISM_URL` set.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use nicerouter_kling_contract_tests::{CallOptions, call, request_example};
use nicerouter_kling_raw::{Auth, Client, Inner};
use nicerouter_kling_spec::{embedded, operations};

#[tokio::test]
#[ignore = "needs Prism; run by tools/contract/ci.sh with PRISM_URL set"]
async fn prism_accepts_every_request_of_the_generated_client() {
    let url = std::env::var("PRISM_URL").expect("PRISM_URL is set by tools/contract/ci.sh");
    let client = Client::new(
        url.trim_end_matches('/'),
        Inner::new(Auth::bearer("test-key")),
    );
    let ops = operations(embedded());
    let mut checked = 0;
    for op in &ops {
        let args = CallOptions {
            body: request_example(op),
            task_id: "814570891207524415".into(),
            page: Some((1, 30)),
            period: Some((1_726_124_664_368, 1_727_366_400_000)),
        };
        let called = match call(&client, op, &args).await {
            Ok(c) => c,
            Err(e) => panic!("{}: Prism rejected the request: {e:?}", op.operation_id),
        };
        assert_eq!(called.status, 200, "{}", op.operation_id);
        assert!(
            called.headers.get("sl-violations").is_none(),
            "{}: Prism reported {:?}",
            op.operation_id,
            called.headers.get("sl-violations")
        );
        checked += 1;
    }
    assert_eq!(checked, ops.len());
    println!(
        "prism: {checked} of {} operations accepted with no violation",
        ops.len()
    );
}
