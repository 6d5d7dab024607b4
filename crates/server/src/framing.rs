//! The framing layer between the real stdin/stdout and tower-lsp's `Server`.
//!
//! tower-lsp-server 0.23 stops reading after its first decode error, so one
//! malformed message would end the server. This module reads the
//! `Content-Length` frames from stdin itself, forwards each frame whose body is
//! a JSON-RPC message to tower-lsp through an in-memory pipe, and drops
//! everything else with a JSON-RPC error response (`id: null`). One writer
//! task owns stdout, and it writes whole frames only. Both tower-lsp's output and the
//! error responses go through it, so their bytes never interleave.

use std::future::Future;
use std::io;

use serde::de::IgnoredAny;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream};
use tokio::sync::mpsc;
use tower_lsp_server::jsonrpc::{Request, Response};

/// Maximum body length accepted from the client: 64 MiB.
///
/// A larger `Content-Length` is treated as a broken header rather than
/// buffered, so a corrupt length cannot make the server allocate without bound.
pub(crate) const MAX_MESSAGE_BYTES: usize = 64 * 1024 * 1024;

/// Maximum length of a header block. Real clients send one or two short headers.
const MAX_HEADER_BYTES: usize = 8 * 1024;

/// Capacity of each in-memory pipe between this layer and tower-lsp.
const PIPE_CAPACITY: usize = 64 * 1024;

/// Frames queued for stdout before their producers wait.
const OUTPUT_QUEUE: usize = 64;

const HEADER_END: &[u8] = b"\r\n\r\n";
const CONTENT_LENGTH: &[u8] = b"Content-Length:";

/// One unit read from a framed stream.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// The body of a well-framed message, not yet checked to be JSON.
    Body(Vec<u8>),
    /// Bytes that could not be framed and were skipped.
    Skipped(HeaderProblem),
}

/// The reason a header block was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    NotAscii,
    MalformedLine,
    MissingContentLength,
    InvalidContentLength,
    /// The `Content-Length` value exceeds the reader's limit.
    TooLarge(usize),
    /// No blank line ended the header block within [`MAX_HEADER_BYTES`].
    TooLong,
}

/// The reason a framed body is not forwarded to tower-lsp.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// The body is not UTF-8 JSON: JSON-RPC's `-32700 Parse error`.
    NotJson,
    /// The body is JSON but not a request, notification or response: `-32600 Invalid Request`.
    NotMessage,
}

/// Reads `Content-Length` frames and resynchronizes on the next `Content-Length:` after bad bytes.
pub(crate) struct FrameReader<R> {
    reader: R,
    buffer: Vec<u8>,
    max_body: usize,
    /// The length of the body being read, once its header block is consumed.
    body_length: Option<usize>,
    /// Set after a header problem until the next valid header, so one run of garbage yields one `Skipped`.
    resynchronizing: bool,
}

impl<R: AsyncRead + Unpin> FrameReader<R> {
    pub(crate) fn new(reader: R, max_body: usize) -> Self {
        FrameReader {
            reader,
            buffer: Vec::new(),
            max_body,
            body_length: None,
            resynchronizing: false,
        }
    }

    /// Reads the next frame; returns `None` at end of input or on a read error.
    pub(crate) async fn next(&mut self) -> Option<Frame> {
        loop {
            if let Some(frame) = self.take_frame() {
                return Some(frame);
            }

            match self.reader.read_buf(&mut self.buffer).await {
                Ok(0) => {
                    self.report_leftover();
                    return None;
                }
                Ok(_) => {}
                Err(error) => {
                    tracing::warn!(%error, "failed to read the message stream");
                    return None;
                }
            }
        }
    }

    /// Takes one frame out of the buffer, or returns `None` when more bytes are needed.
    fn take_frame(&mut self) -> Option<Frame> {
        loop {
            if let Some(length) = self.body_length {
                if self.buffer.len() < length {
                    return None;
                }
                let rest = self.buffer.split_off(length);
                self.body_length = None;
                return Some(Frame::Body(std::mem::replace(&mut self.buffer, rest)));
            }

            let searched = self.buffer.len().min(MAX_HEADER_BYTES + HEADER_END.len());
            let header_end = find(&self.buffer[..searched], HEADER_END, 0);
            let problem = match header_end {
                Some(end) => match parse_header(&self.buffer[..end], self.max_body) {
                    Ok(length) => {
                        self.buffer.drain(..end + HEADER_END.len());
                        self.body_length = Some(length);
                        self.resynchronizing = false;
                        continue;
                    }
                    Err(problem) => {
                        self.skip_header_block(end);
                        problem
                    }
                },
                None if self.buffer.len() > MAX_HEADER_BYTES => {
                    self.skip_unterminated_header();
                    HeaderProblem::TooLong
                }
                None => return None,
            };

            if !self.resynchronizing {
                self.resynchronizing = true;
                return Some(Frame::Skipped(problem));
            }
        }
    }

    /// Drops a complete but invalid header block, or its prefix before a later `Content-Length:`.
    fn skip_header_block(&mut self, end: usize) {
        let skip = find_ignore_case(&self.buffer[..end], CONTENT_LENGTH, 1)
            .unwrap_or(end + HEADER_END.len());
        self.buffer.drain(..skip);
    }

    /// Drops bytes up to the next `Content-Length:`, keeping a tail that may be the start of one.
    fn skip_unterminated_header(&mut self) {
        let keep_from = self.buffer.len() - (CONTENT_LENGTH.len() - 1);
        let skip = find_ignore_case(&self.buffer, CONTENT_LENGTH, 1).unwrap_or(keep_from);
        self.buffer.drain(..skip);
    }

    fn report_leftover(&mut self) {
        let incomplete_body = self.body_length.is_some();
        let stray_bytes = self.buffer.iter().any(|byte| !byte.is_ascii_whitespace());
        if incomplete_body || stray_bytes {
            tracing::warn!(
                buffered = self.buffer.len(),
                expected = self.body_length,
                "the input ended inside a message, dropped it"
            );
        }
        self.buffer.clear();
        self.body_length = None;
    }
}

/// Parses a header block (without its final blank line) and returns its `Content-Length`.
fn parse_header(block: &[u8], max_body: usize) -> Result<usize, HeaderProblem> {
    let text = std::str::from_utf8(block)
        .ok()
        .filter(|text| text.is_ascii())
        .ok_or(HeaderProblem::NotAscii)?;

    let mut content_length = None;
    for line in text.split("\r\n") {
        let (name, value) = line.split_once(':').ok_or(HeaderProblem::MalformedLine)?;
        if name.trim().eq_ignore_ascii_case("content-length") {
            let length: usize = value
                .trim()
                .parse()
                .map_err(|_| HeaderProblem::InvalidContentLength)?;
            content_length = Some(length);
        }
    }

    // Other headers (only `Content-Type` in LSP) are dropped: the body is checked to be UTF-8 JSON anyway.
    let length = content_length.ok_or(HeaderProblem::MissingContentLength)?;
    if length > max_body {
        return Err(HeaderProblem::TooLarge(length));
    }
    Ok(length)
}

/// Checks that `body` is a JSON-RPC message tower-lsp can decode.
pub(crate) fn check_body(body: &[u8]) -> Result<(), BodyProblem> {
    // tower-lsp's codec rejects a body that is not UTF-8 as a whole, while serde_json
    // skips unknown fields without checking their strings.
    if std::str::from_utf8(body).is_err() {
        return Err(BodyProblem::NotJson);
    }
    if serde_json::from_slice::<Request>(body).is_ok()
        || serde_json::from_slice::<Response>(body).is_ok()
    {
        return Ok(());
    }
    match serde_json::from_slice::<IgnoredAny>(body) {
        Ok(_) => Err(BodyProblem::NotMessage),
        Err(_) => Err(BodyProblem::NotJson),
    }
}

/// Frames `body` with the one header tower-lsp's codec needs.
pub(crate) fn encode_frame(body: &[u8]) -> Vec<u8> {
    let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    frame.extend_from_slice(body);
    frame
}

/// Builds the framed JSON-RPC error response for a dropped message.
fn error_response(code: i64, message: &str) -> Vec<u8> {
    let body = serde_json::json!({"jsonrpc": "2.0", "error": {"code": code, "message": message}, "id": null});
    encode_frame(body.to_string().as_bytes())
}

fn parse_error_response() -> Vec<u8> {
    error_response(-32700, "Parse error")
}

fn invalid_request_response() -> Vec<u8> {
    error_response(-32600, "Invalid Request")
}

/// Runs `server` on in-memory pipes and relays its traffic with `input` and `output`.
///
/// `server` gets the pipe to read client messages from and the pipe to write its
/// own messages to. Returns once the server has returned and all its output is written.
pub(crate) async fn serve<I, O, S, F>(input: I, output: O, server: S)
where
    I: AsyncRead + Unpin + Send + 'static,
    O: AsyncWrite + Unpin + Send + 'static,
    S: FnOnce(DuplexStream, DuplexStream) -> F,
    F: Future<Output = ()>,
{
    let (to_server, server_input) = tokio::io::duplex(PIPE_CAPACITY);
    let (server_output, from_server) = tokio::io::duplex(PIPE_CAPACITY);
    let (frames, queued) = mpsc::channel(OUTPUT_QUEUE);

    let writer = tokio::spawn(write_frames(output, queued));
    let incoming = tokio::spawn(forward_client_messages(input, to_server, frames.clone()));
    let outgoing = tokio::spawn(forward_server_messages(from_server, frames));

    server(server_input, server_output).await;

    // The server dropped its pipes, so `outgoing` ends after relaying the last of them.
    let _ = outgoing.await;

    // After `exit` the client may keep stdin open, so stop reading it instead of waiting for end of input.
    incoming.abort();
    let _ = incoming.await;
    let _ = writer.await;
}

/// Writes each queued frame whole, so frames from different producers never interleave.
async fn write_frames<O: AsyncWrite + Unpin>(mut output: O, mut queued: mpsc::Receiver<Vec<u8>>) {
    while let Some(frame) = queued.recv().await {
        if let Err(error) = write_frame(&mut output, &frame).await {
            tracing::warn!(%error, "failed to write to the client, stopped writing");
            return;
        }
    }
}

async fn write_frame<O: AsyncWrite + Unpin>(output: &mut O, frame: &[u8]) -> io::Result<()> {
    output.write_all(frame).await?;
    output.flush().await
}

/// Forwards valid client messages to the server and sends an error response for each of the rest.
///
/// Closes the server's input at end of input, which ends the server.
async fn forward_client_messages<I: AsyncRead + Unpin>(
    input: I,
    mut to_server: DuplexStream,
    frames: mpsc::Sender<Vec<u8>>,
) {
    let mut reader = FrameReader::new(input, MAX_MESSAGE_BYTES);
    while let Some(frame) = reader.next().await {
        let reply = match frame {
            Frame::Body(body) => match check_body(&body) {
                Ok(()) => {
                    if let Err(error) = write_frame(&mut to_server, &encode_frame(&body)).await {
                        tracing::debug!(%error, "the server stopped reading its input");
                        return;
                    }
                    continue;
                }
                Err(problem) => {
                    log_body_problem(problem, &body);
                    match problem {
                        BodyProblem::NotJson => parse_error_response(),
                        BodyProblem::NotMessage => invalid_request_response(),
                    }
                }
            },
            Frame::Skipped(problem) => {
                tracing::warn!(
                    ?problem,
                    "skipped input that is not a Content-Length framed message"
                );
                parse_error_response()
            }
        };

        if frames.send(reply).await.is_err() {
            return;
        }
    }
}

/// Logs a dropped body by its length and the error's position, never its content.
fn log_body_problem(problem: BodyProblem, body: &[u8]) {
    // serde_json's error text can quote the body, so only its category and position are logged.
    let (category, line, column) = match serde_json::from_slice::<IgnoredAny>(body) {
        Err(error) => (
            Some(format!("{:?}", error.classify())),
            error.line(),
            error.column(),
        ),
        Ok(_) => (None, 0, 0),
    };
    match problem {
        BodyProblem::NotJson => {
            tracing::warn!(
                length = body.len(),
                category,
                line,
                column,
                "dropped a message whose body is not JSON"
            )
        }
        BodyProblem::NotMessage => {
            tracing::warn!(
                length = body.len(),
                "dropped a JSON body that is not a JSON-RPC message"
            )
        }
    }
}

/// Relays the server's frames to the writer until the server closes its output.
async fn forward_server_messages(from_server: DuplexStream, frames: mpsc::Sender<Vec<u8>>) {
    let mut reader = FrameReader::new(from_server, usize::MAX);
    while let Some(frame) = reader.next().await {
        let Frame::Body(body) = frame else {
            tracing::error!("the language server wrote a frame this layer cannot parse");
            continue;
        };
        if frames.send(encode_frame(&body)).await.is_err() {
            return;
        }
    }
}

/// Returns the first position at or after `from` where `needle` starts in `haystack`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let tail = haystack.get(from..)?;
    tail.windows(needle.len())
        .position(|window| window == needle)
        .map(|position| position + from)
}

/// Like [`find`], but compares ASCII letters without case, as header names are.
fn find_ignore_case(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let tail = haystack.get(from..)?;
    tail.windows(needle.len())
        .position(|window| window.eq_ignore_ascii_case(needle))
        .map(|position| position + from)
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use serde_json::{Value, json};
    use tokio::io::ReadBuf;

    use super::*;

    /// A reader that returns its chunks one read at a time, to split frames at chosen bytes.
    struct Chunks(VecDeque<Vec<u8>>);

    impl AsyncRead for Chunks {
        fn poll_read(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            if let Some(chunk) = self.0.front_mut() {
                let length = chunk.len().min(buf.remaining());
                buf.put_slice(&chunk[..length]);
                chunk.drain(..length);
                if chunk.is_empty() {
                    self.0.pop_front();
                }
            }
            Poll::Ready(Ok(()))
        }
    }

    fn message(id: i64) -> Vec<u8> {
        encode_frame(
            json!({"jsonrpc": "2.0", "id": id, "method": "test/ping", "params": {"text": "é🍟"}})
                .to_string()
                .as_bytes(),
        )
    }

    fn body_of(frame: &[u8]) -> Vec<u8> {
        let start = find(frame, HEADER_END, 0).expect("a header block") + HEADER_END.len();
        frame[start..].to_vec()
    }

    async fn read_all(chunks: Vec<Vec<u8>>, max_body: usize) -> Vec<Frame> {
        let mut reader = FrameReader::new(Chunks(chunks.into()), max_body);
        let mut frames = Vec::new();
        while let Some(frame) = reader.next().await {
            frames.push(frame);
        }
        frames
    }

    /// Runs `serve` around an echo server and returns what the server received and what reached the client.
    async fn relay_through_echo(input: Vec<u8>) -> (Vec<u8>, Vec<u8>) {
        let (client_output, mut client_reads) = tokio::io::duplex(1 << 20);
        let (received_tx, received_rx) = tokio::sync::oneshot::channel();
        serve(
            Chunks(vec![input].into()),
            client_output,
            |mut server_input, mut server_output| async move {
                let mut received = Vec::new();
                let _ = server_input.read_to_end(&mut received).await;
                let _ = server_output.write_all(&received).await;
                let _ = received_tx.send(received);
            },
        )
        .await;

        let mut output = Vec::new();
        client_reads
            .read_to_end(&mut output)
            .await
            .expect("read the client output");
        (received_rx.await.expect("the echo server ran"), output)
    }

    fn parse_output(output: &[u8]) -> Vec<Value> {
        let mut messages = Vec::new();
        let mut rest = output;
        while !rest.is_empty() {
            let end = find(rest, HEADER_END, 0).expect("a header block");
            let header = std::str::from_utf8(&rest[..end]).expect("ASCII header");
            let length: usize = header
                .trim_start_matches("Content-Length: ")
                .parse()
                .expect("one Content-Length header");
            let body_start = end + HEADER_END.len();
            messages.push(
                serde_json::from_slice(&rest[body_start..body_start + length])
                    .expect("a JSON body"),
            );
            rest = &rest[body_start + length..];
        }
        messages
    }

    #[tokio::test]
    async fn valid_frames_pass_through_byte_for_byte() {
        let input = [message(1), message(2), message(3)].concat();
        let (received, output) = relay_through_echo(input.clone()).await;
        assert_eq!(
            received, input,
            "the server receives the client's bytes unchanged"
        );
        assert_eq!(
            output, input,
            "the client receives the server's bytes unchanged"
        );
    }

    #[tokio::test]
    async fn invalid_json_is_dropped_with_a_parse_error() {
        let garbage = b"Content-Length: 10\r\n\r\n{garbage!}".to_vec();
        let (received, output) =
            relay_through_echo([message(1), garbage, message(2)].concat()).await;

        assert_eq!(received, [message(1), message(2)].concat());
        let messages = parse_output(&output);
        let parse_error = json!({"jsonrpc": "2.0", "error": {"code": -32700, "message": "Parse error"}, "id": null});
        assert_eq!(messages.len(), 3, "{messages:#?}");
        assert!(messages.contains(&parse_error), "{messages:#?}");
    }

    #[tokio::test]
    async fn non_message_json_gets_invalid_request() {
        for body in [&b"[1]"[..], b"42", b"{}", b"{\"id\": 1, \"method\": 3}"] {
            assert_eq!(
                check_body(body),
                Err(BodyProblem::NotMessage),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        for body in [
            &b""[..],
            b"{garbage!}",
            b"{\"a\": \"\xff\"}",
            b"{\"jsonrpc\": \"2.0\", \"method\": \"x\", \"extra\": \"\xff\"}",
            b"{\"jsonrpc\": \"2.0\"",
        ] {
            assert_eq!(
                check_body(body),
                Err(BodyProblem::NotJson),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert_eq!(check_body(&body_of(&message(1))), Ok(()));
        assert_eq!(
            check_body(br#"{"jsonrpc": "2.0", "id": 4, "result": null}"#),
            Ok(()),
            "a response to a server request"
        );

        let (received, output) =
            relay_through_echo([encode_frame(b"[1]"), message(1)].concat()).await;
        assert_eq!(received, message(1));
        let invalid_request = json!({"jsonrpc": "2.0", "error": {"code": -32600, "message": "Invalid Request"}, "id": null});
        assert!(parse_output(&output).contains(&invalid_request));
    }

    #[tokio::test]
    async fn reads_split_anywhere_give_the_same_frames() {
        let input = [message(1), message(22), message(333)].concat();
        let expected = read_all(vec![input.clone()], MAX_MESSAGE_BYTES).await;
        assert_eq!(expected.len(), 3);

        let bytes = input.iter().map(|byte| vec![*byte]).collect();
        assert_eq!(
            read_all(bytes, MAX_MESSAGE_BYTES).await,
            expected,
            "one byte per read"
        );
        for split in [
            1,
            15,
            17,
            message(1).len(),
            message(1).len() + 5,
            input.len() - 1,
        ] {
            let chunks = vec![input[..split].to_vec(), input[split..].to_vec()];
            assert_eq!(
                read_all(chunks, MAX_MESSAGE_BYTES).await,
                expected,
                "split at {split}"
            );
        }
    }

    #[tokio::test]
    async fn huge_content_length_is_rejected_without_buffering() {
        let huge = b"Content-Length: 99999999999\r\n\r\n{\"partial\": ".to_vec();
        let frames = read_all(vec![huge, message(1)], MAX_MESSAGE_BYTES).await;
        assert_eq!(
            frames,
            vec![
                Frame::Skipped(HeaderProblem::TooLarge(99_999_999_999)),
                Frame::Body(body_of(&message(1)))
            ]
        );

        let just_over = format!("Content-Length: {}", MAX_MESSAGE_BYTES + 1);
        assert_eq!(
            parse_header(just_over.as_bytes(), MAX_MESSAGE_BYTES),
            Err(HeaderProblem::TooLarge(MAX_MESSAGE_BYTES + 1))
        );
        let at_limit = format!("Content-Length: {MAX_MESSAGE_BYTES}");
        assert_eq!(
            parse_header(at_limit.as_bytes(), MAX_MESSAGE_BYTES),
            Ok(MAX_MESSAGE_BYTES)
        );
    }

    #[tokio::test]
    async fn bad_headers_resynchronize_on_the_next_content_length() {
        let cases: [(&[u8], HeaderProblem); 5] = [
            (
                b"Content-Type: application/json\r\n\r\n{}",
                HeaderProblem::MissingContentLength,
            ),
            (
                b"Content-Length: ten\r\n\r\n",
                HeaderProblem::InvalidContentLength,
            ),
            (
                b"Content-L\xc3\xa9ngth: 2\r\n\r\n{}",
                HeaderProblem::NotAscii,
            ),
            (b"hello world\r\n", HeaderProblem::MalformedLine),
            (b"{\"no\": \"header\"}", HeaderProblem::MissingContentLength),
        ];
        for (garbage, problem) in cases {
            let frames = read_all(vec![garbage.to_vec(), message(1)], MAX_MESSAGE_BYTES).await;
            let label = String::from_utf8_lossy(garbage);
            assert_eq!(frames.first(), Some(&Frame::Skipped(problem)), "{label}");
            assert_eq!(
                frames.last(),
                Some(&Frame::Body(body_of(&message(1)))),
                "{label}"
            );
        }

        let frames = read_all(vec![vec![b'x'; 100_000], message(1)], MAX_MESSAGE_BYTES).await;
        let expected = vec![
            Frame::Skipped(HeaderProblem::TooLong),
            Frame::Body(body_of(&message(1))),
        ];
        assert_eq!(frames, expected, "one long run of garbage is reported once");
    }

    #[tokio::test]
    async fn header_names_ignore_case() {
        let frame = b"content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}".to_vec();
        assert_eq!(
            read_all(vec![frame], MAX_MESSAGE_BYTES).await,
            vec![Frame::Body(b"{}".to_vec())]
        );
    }

    #[tokio::test]
    async fn end_of_input_ends_serving() {
        assert_eq!(read_all(Vec::new(), MAX_MESSAGE_BYTES).await, Vec::new());

        let truncated = message(1)[..30].to_vec();
        assert_eq!(
            read_all(vec![message(2), truncated], MAX_MESSAGE_BYTES).await,
            vec![Frame::Body(body_of(&message(2)))]
        );

        // The echo server only returns once its input closes, so returning at all shows end of input reached it.
        let (received, output) = relay_through_echo(Vec::new()).await;
        assert!(received.is_empty());
        assert!(output.is_empty());
    }

    #[tokio::test]
    async fn guardian_server_survives_garbage() {
        let (service, socket) = crate::service();
        let initialize = json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"capabilities": {}}});
        let shutdown = json!({"jsonrpc": "2.0", "id": 2, "method": "shutdown"});
        let input = [
            encode_frame(initialize.to_string().as_bytes()),
            b"Content-Length: 10\r\n\r\n{garbage!}".to_vec(),
            encode_frame(shutdown.to_string().as_bytes()),
        ]
        .concat();

        let (client_output, mut client_reads) = tokio::io::duplex(1 << 20);
        let run = serve(
            Chunks(vec![input].into()),
            client_output,
            |server_input, server_output| {
                tower_lsp_server::Server::new(server_input, server_output, socket).serve(service)
            },
        );
        tokio::time::timeout(std::time::Duration::from_secs(20), run)
            .await
            .expect("the server ends at end of input");

        let mut output = Vec::new();
        client_reads
            .read_to_end(&mut output)
            .await
            .expect("read the client output");
        let mut ids: Vec<String> = parse_output(&output)
            .into_iter()
            .filter(|message| message.get("method").is_none())
            .map(|message| message["id"].to_string())
            .collect();
        ids.sort();
        assert_eq!(
            ids,
            ["1", "2", "null"],
            "responses to initialize, the garbage and shutdown, in any order"
        );
    }
}
