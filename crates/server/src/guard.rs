//! Panic isolation: a panic in one request, notification or background
//! analysis is caught and logged, and a request gets an internal error response, so it
//! never takes the server down.
//!
//! Panic messages are not logged because some (such as string slicing
//! panics) quote the text being processed, which may be user source.
//! [`install_panic_hook`] logs each panic's code location instead.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use tower_lsp_server::jsonrpc;

/// Runs a request handler; a panic becomes an internal error response.
pub async fn request<T>(method: &'static str, handler: impl Future<Output = jsonrpc::Result<T>>) -> jsonrpc::Result<T> {
    match AssertUnwindSafe(handler).catch_unwind().await {
        Ok(result) => result,
        Err(_) => {
            tracing::error!(method, "request handler panicked; responding with an internal error");
            Err(jsonrpc::Error::internal_error())
        }
    }
}

/// Runs a notification handler; a panic is logged.
pub async fn notification(method: &'static str, handler: impl Future<Output = ()>) {
    if AssertUnwindSafe(handler).catch_unwind().await.is_err() {
        tracing::error!(method, "notification handler panicked");
    }
}

/// The error of a blocking task that panicked or was cancelled.
#[derive(Debug)]
pub struct TaskFailed;

impl From<TaskFailed> for jsonrpc::Error {
    fn from(_: TaskFailed) -> Self {
        jsonrpc::Error::internal_error()
    }
}

/// Runs CPU-bound work on tokio's blocking pool; a panic is logged and becomes [`TaskFailed`].
pub async fn blocking<T: Send + 'static>(
    task_name: &'static str,
    task: impl FnOnce() -> T + Send + 'static,
) -> Result<T, TaskFailed> {
    match tokio::task::spawn_blocking(task).await {
        Ok(value) => Ok(value),
        Err(error) if error.is_panic() => {
            tracing::error!(task = task_name, "background task panicked");
            Err(TaskFailed)
        }
        Err(error) => {
            tracing::error!(task = task_name, %error, "background task was cancelled");
            Err(TaskFailed)
        }
    }
}

/// Replaces the panic hook with one that logs where a panic happened, without its message.
///
/// The default hook prints the message to stderr, and a message may quote source text.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let location = info.location().map(|location| format!("{}:{}", location.file(), location.line()));
        tracing::error!(location = location.as_deref().unwrap_or("unknown"), "panic");
    }));
}
