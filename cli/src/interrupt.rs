//! Ctrl-C, caught from just before a create is sent until the command is done: it ends the
//! command (not the task) with a message that names the task, or the external id to look it
//! up by when the create had not answered yet.

use std::task::Poll;

use nicerouter_kling::CancellationToken;
use tokio::task::JoinHandle;

/// Ctrl-C, caught: cancels [`token`](Self::token) instead of killing the process. Dropping
/// it stops listening (the process then ignores Ctrl-C: it is about to exit).
pub struct Interrupt {
    token: CancellationToken,
    listener: JoinHandle<()>,
}

impl Interrupt {
    /// Starts catching Ctrl-C. The handler is in place when this returns, so that a Ctrl-C
    /// right after (during a create) cannot kill the process before it names the task.
    pub async fn catch() -> Self {
        let token = CancellationToken::new();
        let mut ctrl_c = Box::pin(tokio::signal::ctrl_c());
        // The first poll installs the handler (a spawned task would do it only when it
        // first runs).
        let first = futures::poll!(ctrl_c.as_mut());
        let listener = tokio::spawn({
            let token = token.clone();
            async move {
                let caught = match first {
                    Poll::Ready(caught) => caught,
                    Poll::Pending => ctrl_c.await,
                };
                if caught.is_ok() {
                    token.cancel();
                }
            }
        });
        Self { token, listener }
    }

    /// Cancelled by Ctrl-C.
    pub fn token(&self) -> &CancellationToken {
        &self.token
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        self.listener.abort();
    }
}
