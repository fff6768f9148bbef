//! The Maelstrom protocol's fixed parts, shared by every backend that speaks it and by
//! `splitbrain shim`:
//!
//! - `ids.rs`: node ids `n<i>`, client ids `c<k>`, the `init` message;
//! - [`Endpoint`] (`endpoint.rs`): an address on the network: node, client or service;
//! - `envelope.rs`: reading a message line's envelope without decoding its body, writing a
//!   request, and matching a reply to it;
//! - `errors.rs`: the error-code table (the models crate's [`ERROR_TABLE`]), with which codes
//!   are definite.

mod endpoint;
mod envelope;
mod errors;
mod ids;

pub use endpoint::{Endpoint, ServiceId};
pub use envelope::{parse_line, reply_to, request_line, EnvelopeError};
pub use errors::{
    error_body, error_name, is_definite, ErrorRow, ERROR_TABLE, KEY_DOES_NOT_EXIST,
    MALFORMED_REQUEST, NOT_SUPPORTED, PRECONDITION_FAILED,
};
pub use ids::{client_id, client_index, init_body, node_id, node_index, INIT_TIMEOUT};
