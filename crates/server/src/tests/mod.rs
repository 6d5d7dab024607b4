//! In-process tests that drive [`GuardianServer`](crate::GuardianServer) through
//! `LanguageServer` methods or through the JSON-RPC service with a scripted client.

mod analysis_scheduling;
mod coalescing;
mod documents;
pub(crate) mod harness;
mod hover;
mod pull_diagnostics;
mod scan;
mod settings;
mod steering_documents;
mod workspace_roots;
